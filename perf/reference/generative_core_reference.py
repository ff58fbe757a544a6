"""The published GMPO/GMPG network and its two hot loops in plain Python PyTorch, for timing beside
grl_perf_generative_core and grl_perf_evaluation on the same machine (issues 5 and 6 quote Python
figures that were measured elsewhere; this script measures them where our programs run).

What it times, with the layout of GenerativeRL's D4RL network (grl/neural_network/residual_network.py; S = 17, A = 6,
hidden 512/256/128, 16 Gaussian-Fourier frequencies, about 1.6M parameters):
  - act: one action per state on the 32-point Euler grid (31 network calls), under torch.inference_mode,
    at batch 1, 10 and 256; both as a plain Python loop and through torchdiffeq.odeint(method="euler")
    as the GenerativeRL framework samples (when torchdiffeq is installed);
  - one weighted GVP flow-matching training step (forward, backward, Adam) at batch 256 and 4096;
  - the evaluation budget of issue 6: 10 episodes x 1000 steps one action at a time, estimated as
    10000 x the batch-1 latency (the environment's own step, ~20 us in MuJoCo, is left out, which
    favours Python).
This is a lean PyTorch program, not the framework itself (which adds TensorDict and its own solver
wrappers on every call), so it is the fastest Python can be with this network: a conservative baseline.

    python3 perf/reference/generative_core_reference.py [--threads N|0] [--quick] [--device cpu|cuda]

On Debian 12, `apt-get install python3-torch` gives Python PyTorch 1.13.1 over the very libtorch and
OpenBLAS that grl links (run it with /usr/bin/python3): the comparison of issues 5 and 6 on our machines.
"""
import argparse
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from openblas_threads import set_openblas_threads


class GaussianFourierProjection(nn.Module):
    def __init__(self, embed_dim=32, scale=30.0):
        super().__init__()
        self.register_buffer("W", torch.randn(embed_dim // 2) * scale)

    def forward(self, t):
        proj = t[:, None] * self.W[None, :] * 2 * math.pi
        return torch.cat([torch.sin(proj), torch.cos(proj)], dim=-1)


class ResidualBlock(nn.Module):
    def __init__(self, d_in, d_out, d_embed=128):
        super().__init__()
        self.dense1 = nn.Linear(d_in, d_out)
        self.modulation = nn.Linear(d_embed, d_out)
        self.dense2 = nn.Linear(d_out, d_out)
        self.skip = nn.Linear(d_in, d_out) if d_in != d_out else None

    def forward(self, x, e):
        h = F.silu(self.dense1(x)) + self.modulation(F.silu(e))
        h = F.silu(self.dense2(h))
        return h + (self.skip(x) if self.skip is not None else x)


class TemporalSpatialResidualNet(nn.Module):
    def __init__(self, state_dim, action_dim, hidden=(512, 256, 128)):
        super().__init__()
        h0, h1, h2 = hidden
        self.time = GaussianFourierProjection()
        self.condition = nn.Linear(state_dim, 32)
        self.embed1 = nn.Linear(64, 128)
        self.embed2 = nn.Linear(128, 128)
        self.down0 = ResidualBlock(action_dim, h0)
        self.down1 = ResidualBlock(h0, h1)
        self.down2 = ResidualBlock(h1, h2)
        self.middle = ResidualBlock(h2, h2)
        self.up1 = ResidualBlock(2 * h2, 2 * h2)
        self.up0 = ResidualBlock(2 * h1, 2 * h1)
        self.last = nn.Linear(2 * h0, action_dim)

    def forward(self, t, x, state):
        c = F.silu(self.condition(state))
        e = self.embed2(F.silu(self.embed1(torch.cat([self.time(t), c], dim=-1))))
        d0 = self.down0(x, e)
        d1 = self.down1(d0, e)
        d2 = self.down2(d1, e)
        u = self.middle(d2, e)
        u = self.up1(torch.cat([u, d2], dim=-1), e)
        u = self.up0(torch.cat([u, d1], dim=-1), e)
        return self.last(torch.cat([u, d0], dim=-1))


def sample_loop(net, states, grid_points=32):
    # GVP velocity model, diffusion time from 1 (noise) to 0 (data) on a uniform grid.
    x = torch.randn(states.shape[0], net.last.out_features, device=states.device)
    times = torch.linspace(1.0, 0.0, grid_points, device=states.device)
    for k in range(grid_points - 1):
        t = times[k].expand(states.shape[0])
        x = x + (times[k + 1] - times[k]) * net(t, x, states)
    return x


def sample_odeint(net, states, grid_points=32):
    from torchdiffeq import odeint

    x = torch.randn(states.shape[0], net.last.out_features, device=states.device)
    times = torch.linspace(1.0, 0.0, grid_points, device=states.device)
    return odeint(lambda t, x: net(t.expand(x.shape[0]), x, states), x, times, method="euler")[-1]


def flow_matching_loss(net, actions, states, weights):
    t = torch.rand(actions.shape[0], device=actions.device) * (1 - 2e-5) + 1e-5
    noise = torch.randn_like(actions)
    s, sigma = torch.cos(math.pi * t / 2)[:, None], torch.sin(math.pi * t / 2)[:, None]
    x = s * actions + sigma * noise
    target = (math.pi / 2) * (-sigma * actions + s * noise)
    per_sample = (net(t, x, states) - target).pow(2).sum(-1)
    return (weights * per_sample).mean()


def measure(body, seconds, warmup=3, min_reps=5, device="cpu"):
    for _ in range(warmup):
        body()
    if device == "cuda":
        torch.cuda.synchronize()
    times, start = [], time.perf_counter()
    while len(times) < min_reps or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        body()
        if device == "cuda":
            torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1, help="0: the libraries' defaults")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=["act", "training"], help="one section; default: both")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    if args.threads > 0:  # 0: PyTorch's and OpenBLAS's own defaults, as a plain Python program runs
        torch.set_num_threads(args.threads)
    blas_threads = set_openblas_threads(args.threads)
    torch.manual_seed(0)
    seconds = 0.3 if args.quick else 2.0
    S, A = 17, 6
    net = TemporalSpatialResidualNet(S, A).to(args.device)
    parameters = sum(p.numel() for p in net.parameters())
    print(f"python reference: torch {torch.__version__}, threads={torch.get_num_threads()}, "
          f"openblas threads={blas_threads if blas_threads is not None else 'n/a'}, device={args.device}, "
          f"{parameters} parameters, 32-point Euler grid (31 steps)")
    try:
        import torchdiffeq  # noqa: F401
        samplers = [("plain loop", sample_loop), ("torchdiffeq odeint", sample_odeint)]
    except ImportError:
        samplers = [("plain loop", sample_loop)]

    batch1 = None
    for batch in (1, 10, 256) if args.only in (None, "act") else ():
        if batch == 1:
            print(f"{'inference (act, inference_mode)':44s} {'ms/call':>12s} {'ms/action':>14s}")
        states = torch.randn(batch, S, device=args.device)
        for name, sampler in samplers:
            def act():
                with torch.inference_mode():
                    sampler(net, states)
            ms = measure(act, seconds, device=args.device)
            if batch == 1 and name == "plain loop":
                batch1 = ms
            print(f"  batch {batch:<4d} {name:32s} {ms:12.3f} {ms / batch:14.4f}")

    adam = torch.optim.Adam(net.parameters(), lr=1e-4)
    for batch in (256, 4096) if args.only in (None, "training") else ():
        if batch == 256:
            print(f"\n{'training step (flow matching, weighted)':44s} {'ms/step':>12s}")
        states = torch.randn(batch, S, device=args.device)
        actions = torch.randn(batch, A, device=args.device)
        weights = torch.rand(batch, device=args.device)

        def step():
            adam.zero_grad()
            flow_matching_loss(net, actions, states, weights).backward()
            adam.step()
        ms = measure(step, seconds, warmup=2, min_reps=3, device=args.device)
        print(f"  batch {batch:<36d} {ms:12.2f}")

    if batch1 is not None:
        print(f"\nevaluation, 10 episodes x 1000 steps one action at a time (10000 x batch-1 act): {batch1 * 10:.1f} s")


if __name__ == "__main__":
    main()
