# End to end for the offline baselines: on hopper random-policy data made here, `grl train` runs
# each of bc, iql, td3_bc, cql and the generative-policy baselines idql, sfbc, diffusion_ql, srpo and qgpo
# from its presets/<algo>/cpu.yaml (tiny budgets and networks by override), and `grl eval` scores
# each checkpoint alone, with the dataset file gone.
include(${CMAKE_CURRENT_LIST_DIR}/support/checks.cmake)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

run_ok(collected ${GRL} collect --env hopper --policy random --episodes 40 --seed 1 --out ${WORK}/hopper-random.hdf5)

set(common evaluation.episodes=2 evaluation.max_episode_steps=30 trainer.log_every=2 trainer.checkpoint_every=3
           trainer.eval_every=4)
set(tiny_bc bc.steps=6 bc.batch_size=32 bc.actor.hidden=[16])
set(tiny_iql iql.steps=6 iql.batch_size=32 iql.actor.hidden=[16] iql.critic.network.mlp.hidden=[16])
set(tiny_td3_bc td3_bc.steps=6 td3_bc.batch_size=32 td3_bc.actor.hidden=[16] td3_bc.critic.hidden=[16])
set(tiny_cql cql.steps=6 cql.batch_size=32 cql.n_actions=3 cql.actor.hidden=[16] cql.critic.hidden=[16])
set(tiny_idql idql.samples=4 idql.critic.steps=4 idql.critic.batch_size=32 idql.critic.iql.network.mlp.hidden=[16]
              idql.behaviour.steps=6 idql.behaviour.batch_size=32 idql.behaviour.model.network.name=mlp
              idql.behaviour.model.network.hidden=[16])
set(tiny_sfbc sfbc.samples=4 sfbc.critic.steps=6 sfbc.critic.batch_size=32 sfbc.critic.iql.network.mlp.hidden=[16]
              sfbc.behaviour.steps=4 sfbc.behaviour.batch_size=32 sfbc.behaviour.model.network.name=mlp
              sfbc.behaviour.model.network.hidden=[16] sfbc.behaviour.model.dpm_steps=3)
set(tiny_diffusion_ql diffusion_ql.steps=6 diffusion_ql.batch_size=32 diffusion_ql.samples=4
                      diffusion_ql.actor.network.name=mlp diffusion_ql.actor.network.hidden=[16] diffusion_ql.critic.hidden=[16])
set(tiny_srpo srpo.behaviour.steps=4 srpo.behaviour.batch_size=32 srpo.behaviour.model.network.name=mlp
              srpo.behaviour.model.network.hidden=[16] srpo.critic.steps=4 srpo.critic.batch_size=32
              srpo.critic.iql.network.mlp.hidden=[16] srpo.policy.steps=6 srpo.policy.batch_size=32 srpo.policy.actor.hidden=[16])
set(tiny_qgpo qgpo.fake_samples=2 qgpo.behaviour.steps=4 qgpo.behaviour.batch_size=32 qgpo.behaviour.model.dpm_steps=2
              qgpo.behaviour.model.network.name=mlp qgpo.behaviour.model.network.hidden=[16] qgpo.guidance.steps=6
              qgpo.guidance.batch_size=32 qgpo.guidance.critic.hidden=[16] qgpo.guidance.energy.hidden=[16])
set(normalized_bc true)
set(normalized_iql true)
set(normalized_td3_bc true)
set(normalized_cql true)
set(normalized_idql false)
set(normalized_sfbc false)
set(normalized_diffusion_ql false)
set(normalized_srpo false)
set(normalized_qgpo false)
set(algorithms bc iql td3_bc cql idql sfbc diffusion_ql srpo qgpo)
foreach(algo ${algorithms})
  run_ok(trained ${GRL} train --algo ${algo} --preset ${SOURCE_DIR}/presets/${algo}/cpu.yaml
         --dataset ${WORK}/hopper-random.hdf5 --seed 3 --name ${algo} --runs-dir ${WORK}/runs ${common} ${tiny_${algo}})
  expect_in("${trained}" "finished: ${WORK}/runs/${algo}")
  file(READ ${WORK}/runs/${algo}/config.yaml resolved)
  expect_in("${resolved}" "algorithm: ${algo}")
  expect_in("${resolved}" "normalize_states: ${normalized_${algo}}")
  file(READ ${WORK}/runs/${algo}/metrics.jsonl metrics)
  expect_in("${metrics}" "\"score_mean\"")
endforeach()

# The checkpoints alone are enough: the dataset file may be gone (the state statistics travel along).
file(RENAME ${WORK}/hopper-random.hdf5 ${WORK}/moved.hdf5)
foreach(algo ${algorithms})
  run_ok(evaluated ${GRL} eval --checkpoint ${WORK}/runs/${algo}/checkpoints/latest.pt --episodes 2 --seed 5)
  expect_in("${evaluated}" "${algo} on hopper")
  expect_in("${evaluated}" "normalized score ")
endforeach()
