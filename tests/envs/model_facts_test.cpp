// The compiled models, read back from mjModel, against the gym v2 parameters (gym 0.21's
// envs/mujoco/assets/*.xml, which D4RL recorded with) and the body masses these models have under
// mujoco-py.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "envs/env.h"

namespace grl::envs {
namespace {

constexpr double kDeg = M_PI / 180.0;

int joint(const mjModel* m, const char* name) {
  const int id = mj_name2id(m, mjOBJ_JOINT, name);
  EXPECT_GE(id, 0) << name;
  return id;
}

void expect_range(const mjModel* m, const char* name, double lo, double hi) {
  const int j = joint(m, name);
  EXPECT_TRUE(m->jnt_limited[j]) << name;
  EXPECT_NEAR(m->jnt_range[2 * j], lo, 1e-12) << name;
  EXPECT_NEAR(m->jnt_range[2 * j + 1], hi, 1e-12) << name;
}

void expect_gears(const mjModel* m, const std::vector<std::string>& joints, const std::vector<double>& gears) {
  ASSERT_EQ(m->nu, static_cast<int>(gears.size()));
  for (int i = 0; i < m->nu; ++i) {
    EXPECT_EQ(m->actuator_trnid[2 * i], joint(m, joints[i].c_str())) << "actuator " << i;
    EXPECT_DOUBLE_EQ(m->actuator_gear[6 * i], gears[i]) << "actuator " << i;
    EXPECT_TRUE(m->actuator_ctrllimited[i]);
    EXPECT_DOUBLE_EQ(m->actuator_ctrlrange[2 * i], -1.0);
    EXPECT_DOUBLE_EQ(m->actuator_ctrlrange[2 * i + 1], 1.0);
  }
}

void expect_floor(const mjModel* m) {
  const int floor = mj_name2id(m, mjOBJ_GEOM, "floor");
  ASSERT_GE(floor, 0);
  EXPECT_EQ(m->geom_type[floor], mjGEOM_PLANE);
  EXPECT_EQ(m->geom_conaffinity[floor], 1);
  EXPECT_EQ(m->geom_condim[floor], 3);
  EXPECT_EQ(m->geom_bodyid[floor], 0);
  for (int k = 0; k < 3; ++k) EXPECT_EQ(m->geom_pos[3 * floor + k], 0.0);
  for (int k = 0; k < 3; ++k) EXPECT_DOUBLE_EQ(m->opt.gravity[k], k == 2 ? -9.81 : 0.0);
}

TEST(ModelFacts, HalfCheetah) {
  auto env = make_env("halfcheetah");
  const mjModel* m = env->model();
  EXPECT_EQ(m->nq, 9);
  EXPECT_EQ(m->nv, 9);
  EXPECT_EQ(m->nu, 6);
  EXPECT_DOUBLE_EQ(m->opt.timestep, 0.01);
  EXPECT_EQ(m->opt.integrator, mjINT_EULER);
  EXPECT_NEAR(mj_getTotalmass(m), 14.0, 1e-12);
  // mujoco-py masses of the torso (torso + head capsules) and the back thigh.
  EXPECT_NEAR(m->body_mass[mj_name2id(m, mjOBJ_BODY, "torso")], 6.36031332, 1e-8);
  EXPECT_NEAR(m->body_mass[mj_name2id(m, mjOBJ_BODY, "bthigh")], 1.53524804, 1e-8);
  expect_floor(m);
  expect_gears(m, {"bthigh", "bshin", "bfoot", "fthigh", "fshin", "ffoot"}, {120, 90, 60, 120, 60, 30});
  expect_range(m, "bthigh", -0.52, 1.05);
  expect_range(m, "bshin", -0.785, 0.785);
  expect_range(m, "bfoot", -0.4, 0.785);
  expect_range(m, "fthigh", -1.0, 0.7);
  expect_range(m, "fshin", -1.2, 0.87);
  expect_range(m, "ffoot", -0.5, 0.5);
  const struct { const char* name; double stiffness, damping; } legs[] = {
      {"bthigh", 240, 6}, {"bshin", 180, 4.5}, {"bfoot", 120, 3}, {"fthigh", 180, 4.5}, {"fshin", 120, 3}, {"ffoot", 60, 1.5}};
  for (const auto& leg : legs) {
    const int j = joint(m, leg.name);
    EXPECT_DOUBLE_EQ(m->jnt_stiffness[j], leg.stiffness) << leg.name;
    EXPECT_DOUBLE_EQ(m->dof_damping[m->jnt_dofadr[j]], leg.damping) << leg.name;
    EXPECT_DOUBLE_EQ(m->dof_armature[m->jnt_dofadr[j]], 0.1) << leg.name;
    EXPECT_DOUBLE_EQ(m->jnt_solref[mjNREF * j], 0.02);
    EXPECT_DOUBLE_EQ(m->jnt_solimp[mjNIMP * j + 1], 0.8);
    EXPECT_DOUBLE_EQ(m->jnt_solimp[mjNIMP * j + 2], 0.03);
  }
  for (const char* root : {"rootx", "rootz", "rooty"}) {
    const int j = joint(m, root);
    EXPECT_FALSE(m->jnt_limited[j]) << root;
    EXPECT_EQ(m->jnt_stiffness[j], 0.0);
    EXPECT_EQ(m->dof_damping[m->jnt_dofadr[j]], 0.0);
    EXPECT_EQ(m->dof_armature[m->jnt_dofadr[j]], 0.0);
  }
  const int head = mj_name2id(m, mjOBJ_GEOM, "head");
  EXPECT_DOUBLE_EQ(m->geom_size[3 * head], 0.046);
  EXPECT_DOUBLE_EQ(m->geom_size[3 * head + 1], 0.15);
  EXPECT_DOUBLE_EQ(m->geom_friction[3 * head], 0.4);
  EXPECT_EQ(m->geom_contype[head], 1);
  EXPECT_EQ(m->geom_conaffinity[head], 0);
  EXPECT_DOUBLE_EQ(m->geom_solimp[mjNIMP * head + 2], 0.01);
  EXPECT_NEAR(m->body_pos[3 * mj_name2id(m, mjOBJ_BODY, "torso") + 2], 0.7, 1e-12);
}

TEST(ModelFacts, Hopper) {
  auto env = make_env("hopper");
  const mjModel* m = env->model();
  EXPECT_EQ(m->nq, 6);
  EXPECT_EQ(m->nv, 6);
  EXPECT_DOUBLE_EQ(m->opt.timestep, 0.002);
  EXPECT_EQ(m->opt.integrator, mjINT_RK4);
  const double masses[] = {3.53429174, 3.92699082, 2.71433605, 5.0893801};
  for (int b = 1; b <= 4; ++b) EXPECT_NEAR(m->body_mass[b], masses[b - 1], 1e-8) << "body " << b;
  expect_floor(m);
  expect_gears(m, {"thigh_joint", "leg_joint", "foot_joint"}, {200, 200, 200});
  expect_range(m, "thigh_joint", -150 * kDeg, 0);
  expect_range(m, "leg_joint", -150 * kDeg, 0);
  expect_range(m, "foot_joint", -45 * kDeg, 45 * kDeg);
  EXPECT_DOUBLE_EQ(m->qpos0[1], 1.25);  // rootz ref: qpos[1] is the torso height
  for (const char* leg : {"thigh_joint", "leg_joint", "foot_joint"}) {
    const int j = joint(m, leg);
    EXPECT_DOUBLE_EQ(m->dof_armature[m->jnt_dofadr[j]], 1.0);
    EXPECT_DOUBLE_EQ(m->dof_damping[m->jnt_dofadr[j]], 1.0);
    EXPECT_DOUBLE_EQ(m->jnt_axis[3 * j + 1], -1.0);
  }
  const int foot = mj_name2id(m, mjOBJ_GEOM, "foot_geom");
  EXPECT_DOUBLE_EQ(m->geom_friction[3 * foot], 2.0);
  EXPECT_EQ(m->geom_condim[foot], 1);
  EXPECT_EQ(m->geom_conaffinity[foot], 1);
  EXPECT_DOUBLE_EQ(m->geom_margin[foot], 0.001);
  EXPECT_DOUBLE_EQ(m->geom_solimp[mjNIMP * foot], 0.8);
  EXPECT_DOUBLE_EQ(m->geom_size[foot * 3], 0.06);
  EXPECT_NEAR(m->geom_size[foot * 3 + 1], 0.195, 1e-12);  // half of |(-0.13,0.1)->(0.26,0.1)|
  // The foot joint is anchored at z 0.1 in global coordinates.
  mjData* d = mj_makeData(m);
  mj_resetData(m, d);
  mj_forward(m, d);
  EXPECT_NEAR(d->xanchor[3 * joint(m, "foot_joint") + 2], 0.1, 1e-12);
  EXPECT_NEAR(d->xanchor[3 * joint(m, "leg_joint") + 2], 0.6, 1e-12);
  mj_deleteData(d);
}

TEST(ModelFacts, Walker2d) {
  auto env = make_env("walker2d");
  const mjModel* m = env->model();
  EXPECT_EQ(m->nq, 9);
  EXPECT_DOUBLE_EQ(m->opt.timestep, 0.002);
  EXPECT_EQ(m->opt.integrator, mjINT_RK4);
  expect_floor(m);
  expect_gears(m, {"thigh_joint", "leg_joint", "foot_joint", "thigh_left_joint", "leg_left_joint", "foot_left_joint"},
               {100, 100, 100, 100, 100, 100});
  for (const char* j : {"thigh_joint", "leg_joint", "thigh_left_joint", "leg_left_joint"}) expect_range(m, j, -150 * kDeg, 0);
  for (const char* j : {"foot_joint", "foot_left_joint"}) expect_range(m, j, -45 * kDeg, 45 * kDeg);
  const int right = mj_name2id(m, mjOBJ_GEOM, "foot_geom"), left = mj_name2id(m, mjOBJ_GEOM, "foot_left_geom");
  EXPECT_DOUBLE_EQ(m->geom_friction[3 * right], 0.9);
  EXPECT_DOUBLE_EQ(m->geom_friction[3 * left], 1.9);
  EXPECT_DOUBLE_EQ(m->geom_friction[3 * left + 1], 0.1);
  EXPECT_EQ(m->geom_condim[left], 3);
  EXPECT_EQ(m->geom_conaffinity[left], 0);
  const int j = joint(m, "leg_left_joint");
  EXPECT_DOUBLE_EQ(m->dof_armature[m->jnt_dofadr[j]], 0.01);
  EXPECT_DOUBLE_EQ(m->dof_damping[m->jnt_dofadr[j]], 0.1);
  EXPECT_NEAR(m->body_mass[mj_name2id(m, mjOBJ_BODY, "torso")], 3.53429174, 1e-8);
}

TEST(ModelFacts, Ant) {
  auto env = make_env("ant");
  const mjModel* m = env->model();
  EXPECT_EQ(m->nq, 15);
  EXPECT_EQ(m->nv, 14);
  EXPECT_EQ(m->nbody, 14);
  EXPECT_DOUBLE_EQ(m->opt.timestep, 0.01);
  EXPECT_EQ(m->opt.integrator, mjINT_RK4);
  expect_floor(m);
  expect_gears(m, {"hip_4", "ankle_4", "hip_1", "ankle_1", "hip_2", "ankle_2", "hip_3", "ankle_3"},
               std::vector<double>(8, 150.0));
  for (const char* hip : {"hip_1", "hip_2", "hip_3", "hip_4"}) expect_range(m, hip, -30 * kDeg, 30 * kDeg);
  expect_range(m, "ankle_1", 30 * kDeg, 70 * kDeg);
  expect_range(m, "ankle_2", -70 * kDeg, -30 * kDeg);
  expect_range(m, "ankle_3", -70 * kDeg, -30 * kDeg);
  expect_range(m, "ankle_4", 30 * kDeg, 70 * kDeg);
  const int ankle1 = joint(m, "ankle_1");
  EXPECT_NEAR(m->jnt_axis[3 * ankle1], -std::sqrt(0.5), 1e-12);
  EXPECT_NEAR(m->jnt_axis[3 * ankle1 + 1], std::sqrt(0.5), 1e-12);
  EXPECT_EQ(m->jnt_type[joint(m, "root")], mjJNT_FREE);
  EXPECT_DOUBLE_EQ(m->qpos0[2], 0.75);
  const int torso = mj_name2id(m, mjOBJ_GEOM, "torso_geom");
  EXPECT_NEAR(m->geom_size[3 * torso], 0.25, 1e-12);
  EXPECT_NEAR(m->body_mass[mj_name2id(m, mjOBJ_BODY, "torso")], 4.0 / 3.0 * M_PI * 0.25 * 0.25 * 0.25 * 5.0, 1e-12);
  EXPECT_DOUBLE_EQ(m->geom_margin[torso], 0.01);
  EXPECT_DOUBLE_EQ(m->geom_friction[3 * torso + 1], 0.5);
  EXPECT_NEAR(m->body_mass[mj_name2id(m, mjOBJ_BODY, "aux_1")], 0.03647693, 1e-8);
  EXPECT_NEAR(m->body_mass[mj_name2id(m, mjOBJ_BODY, "front_left_foot")], 0.06491138, 1e-8);
  EXPECT_DOUBLE_EQ(m->dof_armature[m->jnt_dofadr[ankle1]], 1.0);
}

}  // namespace
}  // namespace grl::envs
