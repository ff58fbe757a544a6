# `grl train` rejects a bad run config before doing any work: an unknown key in the preset (named
# with file, line and key path), a bad override, an algorithm that does not match the preset.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

include(${CMAKE_CURRENT_LIST_DIR}/support/checks.cmake)

set(preset ${SOURCE_DIR}/presets/gmpo/cpu-gvp.yaml)
file(READ ${preset} text)
string(REPLACE "    beta: 6" "    betta: 6" typo "${text}")
file(WRITE ${WORK}/typo.yaml "${typo}")
expect_error("typo.yaml line 25: unknown key 'gmpo.policy.betta' (did you mean 'gmpo.policy.beta'?"
             ${GRL} train --algo gmpo --preset ${WORK}/typo.yaml --dataset hopper-medium-v2 --runs-dir ${WORK}/runs)
expect_error("command-line override 'gmpo.policy.clamp=-1': key 'gmpo.policy.clamp': value '-1' is out of range"
             ${GRL} train --algo gmpo --preset ${preset} --dataset hopper-medium-v2 --runs-dir ${WORK}/runs gmpo.policy.clamp=-1)
expect_error("command-line override 'gmpo.critic.iql.lr=1e-4': unknown key 'gmpo.critic.iql.lr'"
             ${GRL} train --algo gmpo --preset ${preset} --dataset hopper-medium-v2 --runs-dir ${WORK}/runs gmpo.critic.iql.lr=1e-4)
expect_error("command-line override 'gmpo.critic.lr': expected key.path=value"
             ${GRL} train --algo gmpo --preset ${preset} --dataset hopper-medium-v2 --runs-dir ${WORK}/runs gmpo.critic.lr)
expect_error("the file is for 'gmpo' but --algo asks for 'other'"
             ${GRL} train --algo other --preset ${preset} --dataset hopper-medium-v2 --runs-dir ${WORK}/runs)
expect_error("'vp' is not one of {vpsde, gvp, linear, icfm, otcfm}"
             ${GRL} train --algo gmpo --preset ${preset} --dataset hopper-medium-v2 --runs-dir ${WORK}/runs gmpo.policy.model.path=vp)
expect_error("'fp16' is not one of {fp32, bf16}"
             ${GRL} train --algo gmpo --preset ${preset} --dataset hopper-medium-v2 --runs-dir ${WORK}/runs evaluation.precision=fp16)
# A dataset that does not exist is named, and no run directory is left behind.
expect_error("${WORK}/none.hdf5"
             ${GRL} train --algo gmpo --preset ${preset} --dataset ${WORK}/none.hdf5 --runs-dir ${WORK}/runs --name r)
if(EXISTS ${WORK}/runs/r)
  message(FATAL_ERROR "a failed start left ${WORK}/runs/r behind")
endif()
