# `grl bench run --launcher slurm` on a real SLURM cluster: the job array runs every cell through
# `grl bench cell` and the report adds them up. Runs only when a cluster answers (`sinfo` shows a
# node up: bash scripts/start-local-slurm.sh starts a one-node one; .ci/run does); skipped otherwise.
include(${CMAKE_CURRENT_LIST_DIR}/support/checks.cmake)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
find_program(SBATCH sbatch)
find_program(SINFO sinfo)
if(NOT SBATCH OR NOT SINFO)
  message("grl-test-skipped: SLURM is not installed (bash scripts/start-local-slurm.sh installs and starts it)")
  return()
endif()
execute_process(COMMAND ${SINFO} -h -o %T OUTPUT_VARIABLE states RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT states MATCHES "idle|mixed|allocated")
  message("grl-test-skipped: no SLURM node is up (bash scripts/start-local-slurm.sh)")
  return()
endif()

run_ok_with_stderr(collected ${GRL} collect --env hopper --policy random --episodes 30 --seed 2 --out ${WORK}/hopper-random.hdf5)
file(WRITE ${WORK}/tiny.yaml "name: slurm-tiny
datasets: [${WORK}/hopper-random.hdf5]
seeds: [0, 1]
overrides: [trainer.log_every=10, gmpo.critic.steps=20, gmpo.policy.steps=20, gmpo.critic.batch_size=32,
            gmpo.policy.batch_size=32, 'gmpo.policy.model.network.hidden=[16, 16, 16]', gmpo.policy.model.grid_points=4,
            evaluation.max_episode_steps=40]
evaluation: {episodes: 2, final_episodes: 2}
slurm: {cpus_per_task: 1, time: '00:10:00'}
algorithms:
  - {label: GMPO-ICFM, algorithm: gmpo, preset: gmpo/cpu-icfm.yaml}
")
run_ok_with_stderr(ran ${GRL} bench run ${WORK}/tiny.yaml --out ${WORK}/sweep --launcher slurm --wait)
foreach(expected "submitted SLURM job" "cell(s), script" "| average |" "(2 runs)")
  string(FIND "${ran}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "bench run --launcher slurm output lacks '${expected}':\n${ran}")
  endif()
endforeach()
foreach(seed 0 1)
  if(NOT EXISTS ${WORK}/sweep/cells/GMPO-ICFM__hopper-random__seed${seed}/result.json)
    message(FATAL_ERROR "the array task of seed ${seed} wrote no result.json")
  endif()
  if(NOT EXISTS ${WORK}/sweep/slurm/cell-${seed}.out)
    message(FATAL_ERROR "no SLURM output file for task ${seed}")
  endif()
endforeach()
file(READ ${WORK}/sweep/slurm/cells.sbatch script)
foreach(expected "#SBATCH --array=0,1" "#SBATCH --cpus-per-task=1" "#SBATCH --time=00:10:00" "bench cell")
  string(FIND "${script}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the sbatch script lacks '${expected}':\n${script}")
  endif()
endforeach()
# Nothing is left to submit a second time.
run_ok_with_stderr(again ${GRL} bench run ${WORK}/tiny.yaml --out ${WORK}/sweep --launcher slurm)
string(FIND "${again}" "every cell of ${WORK}/sweep is finished" at)
if(at EQUAL -1)
  message(FATAL_ERROR "a finished sweep was submitted again:\n${again}")
endif()
