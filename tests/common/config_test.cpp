#include "common/config.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace grl::config {
namespace {

struct CriticSection {
  double lr = 3e-4;
  int hidden = 256;
  double tau = 0.7;
  template <class V>
  void visit(V& v) {
    v.field("lr", lr, "Adam learning rate", positive());
    v.field("hidden", hidden, "hidden width", at_least(1));
    v.field("tau", tau, "expectile", open_range(0, 1));
  }
};

struct PolicySection {
  double beta = 1.0;
  std::string solver = "euler";
  std::vector<int> hidden = {512, 256, 128};
  bool clip = false;
  template <class V>
  void visit(V& v) {
    v.field("beta", beta, "inverse temperature", non_negative());
    v.field("solver", solver, "ODE solver", one_of({"euler", "heun", "rk4"}));
    v.field("hidden", hidden, "widths", at_least(1));
    v.field("clip", clip, "clip actions");
  }
};

struct TrainConfig {
  std::int64_t seed = 0;
  std::string name = "run";
  CriticSection critic;
  PolicySection policy;
  template <class V>
  void visit(V& v) {
    v.field("seed", seed, "run seed", non_negative());
    v.field("name", name, "run name");
    v.section("critic", critic, "IQL critic");
    v.section("policy", policy, "generative policy");
  }
};

const char* kGood = R"(seed: 3
name: hopper
critic:
  lr: 1.0e-4
  hidden: 64
policy:
  beta: 8
  solver: rk4
  hidden: [32, 16]
  clip: true
)";

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Config, GoodFileParsesEveryFieldAndKeepsDefaults) {
  testing::TempDir dir;
  const auto path = dir.write("good.yaml", kGood);
  const auto c = load<TrainConfig>(path.string());
  EXPECT_EQ(c.seed, 3);
  EXPECT_EQ(c.name, "hopper");
  EXPECT_DOUBLE_EQ(c.critic.lr, 1e-4);
  EXPECT_EQ(c.critic.hidden, 64);
  EXPECT_DOUBLE_EQ(c.critic.tau, 0.7);  // default kept
  EXPECT_DOUBLE_EQ(c.policy.beta, 8.0);
  EXPECT_EQ(c.policy.solver, "rk4");
  EXPECT_EQ(c.policy.hidden, (std::vector<int>{32, 16}));
  EXPECT_TRUE(c.policy.clip);
}

TEST(Config, UnknownKeyNamesFileLineKeyPathAndSuggestion) {
  const auto message = error_of([] {
    parse<TrainConfig>(load_text("seed: 1\ncritic:\n  lr: 0.1\n  hiddn: 3\n", "presets/x.yaml"));
  });
  EXPECT_NE(message.find("presets/x.yaml line 4"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown key 'critic.hiddn'"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean 'critic.hidden'"), std::string::npos) << message;
}

TEST(Config, UnknownTopLevelKeyListsKnownKeys) {
  const auto message = error_of([] { parse<TrainConfig>(load_text("seed: 1\nfoo: 2\n", "a.yaml")); });
  EXPECT_NE(message.find("a.yaml line 2: unknown key 'foo'"), std::string::npos) << message;
  EXPECT_NE(message.find("known keys: seed, name, critic, policy"), std::string::npos) << message;
}

TEST(Config, WrongTypeNamesKeyLineAndExpectedType) {
  const auto message =
      error_of([] { parse<TrainConfig>(load_text("critic:\n  hidden: 64\n  lr: fast\n", "b.yaml")); });
  EXPECT_EQ(message, "b.yaml line 3: key 'critic.lr': expected a number, got 'fast'");

  const auto int_message = error_of([] { parse<TrainConfig>(load_text("critic:\n  hidden: 1.5\n", "b.yaml")); });
  EXPECT_EQ(int_message, "b.yaml line 2: key 'critic.hidden': expected an integer, got '1.5'");

  const auto section_message = error_of([] { parse<TrainConfig>(load_text("critic: 3\n", "b.yaml")); });
  EXPECT_EQ(section_message, "b.yaml line 1: key 'critic': expected a section (a map of keys), got '3'");

  const auto list_message = error_of([] { parse<TrainConfig>(load_text("policy:\n  hidden: [4, x]\n", "b.yaml")); });
  EXPECT_EQ(list_message, "b.yaml line 2: key 'policy.hidden[1]': expected an integer, got 'x'");
}

TEST(Config, OutOfRangeNamesKeyLineAndRange) {
  const auto message =
      error_of([] { parse<TrainConfig>(load_text("seed: 0\ncritic:\n  tau: 1.0\n", "c.yaml")); });
  EXPECT_EQ(message, "c.yaml line 3: key 'critic.tau': value '1.0' is out of range, expected a value in (0, 1)");

  const auto negative = error_of([] { parse<TrainConfig>(load_text("critic:\n  lr: -1\n", "c.yaml")); });
  EXPECT_EQ(negative, "c.yaml line 2: key 'critic.lr': value '-1' is out of range, expected a value > 0");

  const auto choice = error_of([] { parse<TrainConfig>(load_text("policy:\n  solver: dopri\n", "c.yaml")); });
  EXPECT_EQ(choice, "c.yaml line 2: key 'policy.solver': 'dopri' is not one of {euler, heun, rk4}");
}

TEST(Config, NonFiniteNumbersAreRejected) {
  const auto message = error_of([] { parse<TrainConfig>(load_text("policy:\n  beta: .nan\n", "d.yaml")); });
  EXPECT_EQ(message, "d.yaml line 2: key 'policy.beta': expected a number, got the non-finite value '.nan'");
}

TEST(Config, OverrideOfNestedKeyGoesThroughTheSameChecks) {
  auto source = load_text(kGood, "good.yaml");
  apply_overrides(source, {"critic.lr=2e-5", "policy.hidden=[8, 8, 8]", "policy.solver=heun"});
  const auto c = parse<TrainConfig>(source);
  EXPECT_DOUBLE_EQ(c.critic.lr, 2e-5);
  EXPECT_EQ(c.policy.hidden, (std::vector<int>{8, 8, 8}));
  EXPECT_EQ(c.policy.solver, "heun");
  EXPECT_EQ(c.critic.hidden, 64);  // the file's other values stay

  auto bad = load_text(kGood, "good.yaml");
  apply_overrides(bad, {"critic.lr=-3"});
  EXPECT_EQ(error_of([&] { parse<TrainConfig>(bad); }),
            "command-line override 'critic.lr=-3': key 'critic.lr': value '-3' is out of range, expected a value > 0");
}

TEST(Config, OverrideCreatesMissingSection) {
  auto source = load_text("seed: 1\n", "e.yaml");
  apply_overrides(source, {"policy.beta=4"});
  EXPECT_DOUBLE_EQ(parse<TrainConfig>(source).policy.beta, 4.0);
}

TEST(Config, OverrideOfUnknownKeyNamesTheOverride) {
  auto source = load_text(kGood, "good.yaml");
  apply_overrides(source, {"critic.lrr=1e-4"});
  const auto message = error_of([&] { parse<TrainConfig>(source); });
  EXPECT_NE(message.find("command-line override 'critic.lrr=1e-4': unknown key 'critic.lrr'"), std::string::npos)
      << message;
  EXPECT_NE(message.find("did you mean 'critic.lr'"), std::string::npos) << message;

  auto section = load_text(kGood, "good.yaml");
  apply_overrides(section, {"actor.lr=1"});
  EXPECT_NE(error_of([&] { parse<TrainConfig>(section); }).find("command-line override 'actor.lr=1': unknown key 'actor'"),
            std::string::npos);
}

TEST(Config, MalformedOverridesAndFiles) {
  auto source = load_text(kGood, "good.yaml");
  EXPECT_EQ(error_of([&] { apply_overrides(source, {"critic.lr"}); }),
            "command-line override 'critic.lr': expected key.path=value");
  EXPECT_EQ(error_of([&] { apply_overrides(source, {"seed.x=1"}); }),
            "command-line override 'seed.x=1': key 'seed' holds a value, not a section");
  EXPECT_EQ(error_of([] { load_file("/nonexistent/grl.yaml"); }), "/nonexistent/grl.yaml: config file not found");
  EXPECT_NE(error_of([] { load_text("a: [1, 2\n", "f.yaml"); }).find("f.yaml line"), std::string::npos);
  EXPECT_EQ(error_of([] { load_text("- 1\n- 2\n", "g.yaml"); }), "g.yaml line 1: expected a map of keys at the top level");
}

// Two equal keys in one map: YAML keeps one silently, so the loader refuses them, naming both lines
// and the dotted path, in files, nested sections, lists and mapping overrides.
TEST(Config, DuplicateKeysAreAnErrorNamingBothLines) {
  EXPECT_EQ(error_of([] { load_text("seed: 1\nseed: 2\n", "dup.yaml"); }),
            "dup.yaml line 2: key 'seed' appears twice (first at line 1); YAML would keep only one of them");
  EXPECT_EQ(error_of([] { load_text("actor:\n  lr: 1\n  hidden: [3]\n  lr: 2\n", "nested.yaml"); }),
            "nested.yaml line 4: key 'actor.lr' appears twice (first at line 2); YAML would keep only one of them");
  EXPECT_NE(error_of([] { load_text("items:\n  - {a: 1, a: 2}\n", "list.yaml"); }).find("key 'items[0].a' appears twice"),
            std::string::npos);
  auto source = load_text(kGood, "good.yaml");
  EXPECT_NE(error_of([&] { apply_overrides(source, {"actor={lr: 1, lr: 2}"}); })
                .find("command-line override 'actor={lr: 1, lr: 2}' line 1: key 'actor.lr' appears twice"),
            std::string::npos);
  // Equal values under different parents are not duplicates.
  EXPECT_NO_THROW(load_text("actor:\n  lr: 1\ncritic:\n  lr: 1\n", "ok.yaml"));
}

TEST(Config, ResolvedYamlReadsBackToTheSameValues) {
  TrainConfig c;
  c.critic.lr = 0.1 + 0.2;  // not representable in few digits: must round-trip exactly
  c.policy.hidden = {7, 5};
  c.name = "a: tricky name";
  const std::string text = to_yaml(c);
  EXPECT_NE(text.find("lr: 0.30000000000000004"), std::string::npos) << text;
  EXPECT_NE(text.find("# Adam learning rate"), std::string::npos) << text;
  const auto back = parse<TrainConfig>(load_text(text, "resolved.yaml"));
  EXPECT_EQ(back.critic.lr, c.critic.lr);
  EXPECT_EQ(back.policy.hidden, c.policy.hidden);
  EXPECT_EQ(back.name, c.name);
  EXPECT_EQ(back.policy.solver, c.policy.solver);
}

struct SweepLike {
  std::vector<PolicySection> policies;
  template <class V>
  void visit(V& v) {
    v.list("policies", policies, "one section per policy");
  }
};

TEST(Config, ListsOfSectionsParseEachItemFromItsDefaultsAndNameTheItemInErrors) {
  const auto parsed = parse<SweepLike>(load_text("policies:\n  - {beta: 2}\n  - {solver: heun, hidden: [4]}\n", "s.yaml"));
  ASSERT_EQ(parsed.policies.size(), 2u);
  EXPECT_EQ(parsed.policies[0].beta, 2.0);
  EXPECT_EQ(parsed.policies[0].solver, "euler");
  EXPECT_EQ(parsed.policies[1].beta, 1.0);
  EXPECT_EQ(parsed.policies[1].hidden, std::vector<int>{4});
  EXPECT_EQ(error_of([] { parse<SweepLike>(load_text("policies:\n  - {beta: 2}\n  - {betta: 3}\n", "s.yaml")); }),
            "s.yaml line 3: unknown key 'policies[1].betta' (did you mean 'policies[1].beta'?); known keys in "
            "'policies[1]': beta, solver, hidden, clip");
  EXPECT_EQ(error_of([] { parse<SweepLike>(load_text("policies: 3\n", "s.yaml")); }),
            "s.yaml line 1: key 'policies': expected a list of sections, got '3'");
  EXPECT_EQ(error_of([] { parse<SweepLike>(load_text("policies: [7]\n", "s.yaml")); }),
            "s.yaml line 1: key 'policies[0]': expected a section (a map of keys), got '7'");
  const auto back = parse<SweepLike>(load_text(to_yaml(parsed), "resolved.yaml"));
  ASSERT_EQ(back.policies.size(), 2u);
  EXPECT_EQ(back.policies[1].solver, "heun");
}

TEST(ConfigExtends, AFileLaysItsKeysOverItsBaseSectionBySection) {
  testing::TempDir dir;
  dir.write("base.yaml", "seed: 3\ncritic:\n  lr: 1.0e-4\n  hidden: 64\npolicy:\n  beta: 8\n  hidden: [32, 16]\n");
  dir.write("child.yaml", "extends: base.yaml\nname: child\npolicy:\n  beta: 2\n");
  dir.write("grandchild.yaml", "extends: child.yaml\ncritic: {lr: 5.0e-4}\npolicy: {hidden: [8]}\n");
  const auto child = parse<TrainConfig>(load_file((dir / "child.yaml").string()));
  EXPECT_EQ(child.seed, 3);
  EXPECT_EQ(child.name, "child");
  EXPECT_DOUBLE_EQ(child.critic.lr, 1e-4);
  EXPECT_EQ(child.critic.hidden, 64);
  EXPECT_DOUBLE_EQ(child.policy.beta, 2.0);                         // the child's
  EXPECT_EQ(child.policy.hidden, (std::vector<int>{32, 16}));       // the base's, beside it
  auto grandchild_source = load_file((dir / "grandchild.yaml").string());
  apply_overrides(grandchild_source, {"policy.beta=7"});
  const auto grandchild = parse<TrainConfig>(grandchild_source);
  EXPECT_DOUBLE_EQ(grandchild.critic.lr, 5e-4);
  EXPECT_EQ(grandchild.critic.hidden, 64);
  EXPECT_EQ(grandchild.policy.hidden, (std::vector<int>{8}));  // a list replaces the base's list
  EXPECT_DOUBLE_EQ(grandchild.policy.beta, 7.0);
  EXPECT_EQ(grandchild.name, "child");
}

TEST(ConfigExtends, ErrorsNameTheFileAValueCameFrom) {
  testing::TempDir dir;
  dir.write("base.yaml", "seed: 3\ncritic:\n  tau: 2\n");
  dir.write("child.yaml", "extends: base.yaml\npolicy:\n  beta: -1\n");
  dir.write("fixed.yaml", "extends: child.yaml\npolicy:\n  beta: 1\n");
  EXPECT_EQ(error_of([&] { parse<TrainConfig>(load_file((dir / "fixed.yaml").string())); }),
            (dir / "base.yaml").string() + " line 3: key 'critic.tau': value '2' is out of range, expected a value in (0, 1)");
  dir.write("base.yaml", "seed: 3\n");
  EXPECT_EQ(error_of([&] { parse<TrainConfig>(load_file((dir / "child.yaml").string())); }),
            (dir / "child.yaml").string() + " line 3: key 'policy.beta': value '-1' is out of range, expected a value >= 0");
}

TEST(ConfigExtends, MissingBasesAndCyclesAreErrorsNamingTheFiles) {
  testing::TempDir dir;
  dir.write("orphan.yaml", "seed: 1\nextends: nope.yaml\n");
  EXPECT_EQ(error_of([&] { load_file((dir / "orphan.yaml").string()); }),
            (dir / "orphan.yaml").string() + " line 2: key 'extends': base file 'nope.yaml' not found (looked for " +
                (dir / "nope.yaml").string() + ")");
  dir.write("a.yaml", "extends: b.yaml\n");
  dir.write("b.yaml", "extends: a.yaml\n");
  EXPECT_NE(error_of([&] { load_file((dir / "a.yaml").string()); }).find("extends form a cycle"), std::string::npos);
  dir.write("list.yaml", "extends: [a.yaml]\n");
  EXPECT_NE(error_of([&] { load_file((dir / "list.yaml").string()); }).find("expected the path of a base config file"),
            std::string::npos);
}

}  // namespace
}  // namespace grl::config
