"""One SAC gradient update in plain Python PyTorch, for timing beside grl_perf_sac on the same machine.

The update of grl's baselines/sac (Haarnoja et al. 2018, as rlkit and CORL write it): a tanh-Gaussian
actor and a twin Q critic, MLPs 256-256 with ReLU, batch 256; per update the TD target without
gradients (actor sample at s', min of the target heads, alpha log pi), the critic step (MSE on both
heads, Adam), the actor step through the critic with the critic's weights frozen (Adam), the
temperature step (Adam on log alpha) and the Polyak update of the target heads (rate 0.005).

    /usr/bin/python3 perf/reference/sac_update_reference.py [--threads N] [--seconds S] [--batch B]
                                                            [--obs 11] [--act 3]

grl_perf_sac --python perf/reference/sac_update_reference.py runs it after its own measurement, with
the same threads, sizes and environment (OPENBLAS_CORETYPE as grl pins it). On Debian 12,
`apt-get install python3-torch` gives Python PyTorch 1.13.1 over the same libtorch and OpenBLAS.
"""
import argparse
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from openblas_threads import set_openblas_threads


def mlp(inputs, outputs, hidden=(256, 256)):
    layers, width = [], inputs
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    layers.append(nn.Linear(width, outputs))
    return nn.Sequential(*layers)


class Actor(nn.Module):
    def __init__(self, obs, act):
        super().__init__()
        self.trunk = mlp(obs, 256)[:-1]  # 256-256 with ReLU, then two heads
        self.mean = nn.Linear(256, act)
        self.log_std = nn.Linear(256, act)

    def sample(self, states):
        h = self.trunk(states)
        mean, log_std = self.mean(h), self.log_std(h).clamp(-20.0, 2.0)
        pre_tanh = mean + log_std.exp() * torch.randn_like(mean)
        z = (pre_tanh - mean) * torch.exp(-log_std)
        gaussian = -0.5 * z.pow(2) - log_std - 0.5 * math.log(2 * math.pi)
        log_det = 2.0 * (math.log(2.0) - pre_tanh - F.softplus(-2.0 * pre_tanh))
        return torch.tanh(pre_tanh), (gaussian - log_det).sum(-1)


class TwinQ(nn.Module):
    def __init__(self, obs, act):
        super().__init__()
        self.q1, self.q2 = mlp(act + obs, 1), mlp(act + obs, 1)

    def forward(self, states, actions):
        x = torch.cat([actions, states], 1)
        return self.q1(x).squeeze(1), self.q2(x).squeeze(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--obs", type=int, default=11)
    parser.add_argument("--act", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    blas_threads = set_openblas_threads(args.threads)
    torch.manual_seed(0)
    S, A, B = args.obs, args.act, args.batch
    actor, q = Actor(S, A), TwinQ(S, A)
    q_target = TwinQ(S, A)
    q_target.load_state_dict(q.state_dict())
    q_target.requires_grad_(False)
    log_alpha = torch.zeros(1, requires_grad=True)
    actor_adam = torch.optim.Adam(actor.parameters(), lr=3e-4)
    critic_adam = torch.optim.Adam(q.parameters(), lr=3e-4)
    alpha_adam = torch.optim.Adam([log_alpha], lr=3e-4)
    target_entropy, discount, rho = -float(A), 0.99, 0.005
    s, s2 = torch.randn(B, S), torch.randn(B, S)
    a = torch.rand(B, A) * 2 - 1
    r, done = torch.randn(B), (torch.rand(B) < 0.01).float()

    def update():
        alpha = log_alpha.exp().item()
        with torch.no_grad():
            a2, logp2 = actor.sample(s2)
            target = r + discount * (1 - done) * (torch.min(*q_target(s2, a2)) - alpha * logp2)
        q1, q2 = q(s, a)
        q_loss = 0.5 * (F.mse_loss(q1, target) + F.mse_loss(q2, target))
        critic_adam.zero_grad()
        q_loss.backward()
        critic_adam.step()
        q.requires_grad_(False)
        a_pi, logp = actor.sample(s)
        pi_loss = (alpha * logp - torch.min(*q(s, a_pi))).mean()
        actor_adam.zero_grad()
        pi_loss.backward()
        actor_adam.step()
        q.requires_grad_(True)
        alpha_loss = -(log_alpha * (logp.detach() + target_entropy)).mean()
        alpha_adam.zero_grad()
        alpha_loss.backward()
        alpha_adam.step()
        with torch.no_grad():
            for p, t in zip(q.parameters(), q_target.parameters()):
                t.mul_(1 - rho).add_(p, alpha=rho)
        # grl's update returns its losses as numbers; so does this.
        return q_loss.item(), pi_loss.item(), alpha_loss.item(), q1.mean().item()

    for _ in range(3):
        update()
    times = []
    start = time.perf_counter()
    while len(times) < 5 or time.perf_counter() - start < args.seconds:
        t0 = time.perf_counter()
        update()
        times.append((time.perf_counter() - t0) * 1000)
    ms = statistics.median(times)
    print(f"python reference: torch {torch.__version__}, threads={torch.get_num_threads()}, "
          f"openblas threads={blas_threads if blas_threads is not None else 'n/a'}, batch {B}, obs {S}, act {A}")
    print(f"{'one SAC update (Python PyTorch)':<58} {ms:10.3f} ms   {1000 / ms:8.1f} updates/s")


if __name__ == "__main__":
    main()
