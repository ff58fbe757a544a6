# Each algorithm's CPU preset for the hopper data the CLI tests make (preset_<algo>, relative to
# presets/; GMPO and GMPG with the GVP path, SRPO's per environment), and the overrides that shrink it
# to seconds (tiny networks, a few steps: tiny_<algo>); shared by baselines_train_eval and train_cuda.
foreach(algo bc iql td3_bc cql idql sfbc diffusion_ql qgpo)
  set(preset_${algo} ${algo}/cpu.yaml)
endforeach()
set(preset_gmpo gmpo/cpu-gvp.yaml)
set(preset_gmpg gmpg/cpu-gvp.yaml)
set(preset_srpo srpo/cpu-hopper.yaml)
set(tiny_gmpo gmpo.critic.steps=6 gmpo.policy.steps=5 gmpo.critic.batch_size=64 gmpo.policy.batch_size=32
              gmpo.policy.model.network.name=mlp gmpo.policy.model.network.hidden=[32,32] gmpo.policy.model.grid_points=4)
set(tiny_gmpg gmpg.critic.steps=4 gmpg.critic.batch_size=32 gmpg.critic.iql.network.mlp.hidden=[16]
              gmpg.behaviour.steps=4 gmpg.behaviour.batch_size=32 gmpg.behaviour.model.network.name=mlp
              gmpg.behaviour.model.network.hidden=[16] gmpg.behaviour.model.grid_points=4 gmpg.policy.steps=3
              gmpg.policy.batch_size=8 gmpg.policy.grid_points=4 gmpg.policy.likelihood_grid_points=4)
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
