#include "viewer/viewer_session.h"

#include <stdexcept>

#include "datasets/dataset_location.h"

namespace grl::viewer {
namespace {

std::shared_ptr<CheckpointPolicy> load_policy(const ViewerOptions& options) {
  if (options.checkpoint.empty()) return nullptr;
  auto policy = std::make_shared<CheckpointPolicy>(options.checkpoint, options.device);
  if (!options.solver.empty() || options.steps > 0) {
    if (!policy->info().generative) {
      throw std::invalid_argument("--solver/--steps: " + policy->info().algorithm + " checkpoint " + options.checkpoint +
                                  " is not a generative policy");
    }
    policy->set_sampler(options.solver.empty() ? policy->info().solver : options.solver,
                        options.steps > 0 ? options.steps : policy->info().steps);
  }
  policy->seed(options.seed);
  return policy;
}

}  // namespace

std::string resolve_view_env(const ViewerOptions& options, const PolicyInfo* policy) {
  if (policy != nullptr) {
    if (!options.env.empty()) {
      const std::string wanted = envs::make_env(options.env)->spec().id;  // accepts dataset ids too
      if (wanted != policy->env_id) {
        throw std::invalid_argument("checkpoint " + policy->checkpoint + " was trained on " + policy->env_id +
                                    ", but --env is " + options.env);
      }
    }
    return policy->env_id;
  }
  if (!options.env.empty()) return envs::make_env(options.env)->spec().id;
  if (!options.dataset.empty()) {
    const datasets::DatasetLocation location = datasets::locate_dataset(options.dataset);
    if (location.env) return location.env->id;
    throw std::invalid_argument("cannot tell the env of dataset " + options.dataset + " from its name: give --env");
  }
  throw std::invalid_argument("nothing to view: give --checkpoint, --env or --dataset");
}

ViewerSession::ViewerSession(const ViewerOptions& options)
    : policy_(load_policy(options)),
      env_(envs::make_env(resolve_view_env(options, policy_ ? &policy_->info() : nullptr))),
      monitor_(env_->spec()) {
  const std::string dataset = !options.dataset.empty() ? options.dataset : (policy_ ? policy_->info().dataset : "");
  if (!dataset.empty()) {
    try {
      dataset_ = std::make_unique<DatasetPlayback>(dataset, env_->spec());
    } catch (const std::exception& e) {
      // A dataset asked for explicitly must load; the checkpoint's own is a convenience.
      if (!options.dataset.empty()) throw;
      dataset_note_ = std::string("the checkpoint's dataset is not available (") + e.what() + ")";
    }
  } else {
    dataset_note_ = "no dataset (give --dataset for playback and comparison)";
  }
  source_ = policy_ ? MotionSource::policy : MotionSource::zero_action;
  reset(options.seed);
  if (options.playback_episode >= 0) {
    if (!dataset_) {
      throw std::invalid_argument("--episode " + std::to_string(options.playback_episode) + ": " +
                                  (dataset_note_.empty() ? "no dataset" : dataset_note_));
    }
    start_playback(options.playback_episode);
  }
}

void ViewerSession::reset(std::uint64_t seed) {
  if (monitor_.steps() > 0 && !episode_over_) monitor_.end_episode(false);
  if (source_ == MotionSource::dataset) source_ = policy_ ? MotionSource::policy : MotionSource::zero_action;
  observation_ = env_->reset(seed);
  episode_over_ = false;
  monitor_.begin_episode(source_ == MotionSource::policy ? "policy, seed " + std::to_string(seed)
                                                          : "zero action, seed " + std::to_string(seed));
}

void ViewerSession::set_source(MotionSource source) {
  if (source == MotionSource::policy && !policy_) throw std::invalid_argument("no checkpoint loaded");
  if (source == MotionSource::dataset && !dataset_) throw std::invalid_argument("no dataset loaded");
  source_ = source;
}

bool ViewerSession::step(const std::vector<float>& action, int max_steps) {
  const std::vector<double> a(action.begin(), action.end());
  const envs::Step result = env_->step(a);
  observation_ = result.obs;
  monitor_.record_step(action, result.reward);
  const bool over = result.done() || (max_steps > 0 && monitor_.steps() >= max_steps);
  if (over) {
    monitor_.end_episode(result.terminal);
    episode_over_ = true;
  }
  return over;
}

void ViewerSession::start_playback(int index) {
  const DatasetEpisode& episode = dataset_->episode(index);  // throws naming the range
  if (monitor_.steps() > 0 && !episode_over_) monitor_.end_episode(false);
  source_ = MotionSource::dataset;
  playback_episode_ = index;
  episode_over_ = false;
  monitor_.begin_episode("dataset episode " + std::to_string(index));
  show_row(episode.begin);
}

void ViewerSession::show_row(std::int64_t row) {
  playback_row_ = row;
  dataset_->apply_state(*env_, row);
  observation_ = dataset_->observation(row);
}

bool ViewerSession::playback_step() {
  if (episode_over_) return true;
  const DatasetEpisode& episode = dataset_->episode(playback_episode_);
  const std::vector<double> a = dataset_->action(playback_row_);
  monitor_.record_step(std::vector<float>(a.begin(), a.end()), dataset_->reward(playback_row_));
  if (playback_row_ + 1 >= episode.begin + episode.length) {
    monitor_.end_episode(episode.terminal);
    episode_over_ = true;
    return true;
  }
  show_row(playback_row_ + 1);
  return false;
}

}  // namespace grl::viewer
