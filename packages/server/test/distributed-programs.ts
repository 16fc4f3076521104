/** The training programs the distributed tests run (every executor's): real DDP with torch, and an MPI allreduce. */

/** A real DDP training: y = 3x + 2 learned by a linear model, each rank on its own share of the data. */
export const DDP = `
import json, os, sys, torch, torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP
dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
torch.manual_seed(0)
x = torch.linspace(-1, 1, 256).unsqueeze(1)
y = 3 * x + 2
model = DDP(torch.nn.Linear(1, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.2)
xs, ys = x[rank::world], y[rank::world]
for step in range(150):
    opt.zero_grad()
    loss = ((model(xs) - ys) ** 2).mean()
    loss.backward()
    opt.step()
w, b = model.module.weight.item(), model.module.bias.item()
# One write per line: the ranks of a host share its log.
sys.stdout.write("RANK " + json.dumps({"rank": rank, "world": world, "host": os.environ["SM_CURRENT_HOST"], "local_rank": int(os.environ["LOCAL_RANK"]),
      "master": os.environ["MASTER_ADDR"] + ":" + os.environ["MASTER_PORT"], "loss": loss.item(), "w": w, "b": b}) + "\\n")
sys.stdout.flush()
if rank == 0:
    torch.save(model.module.state_dict(), os.path.join(os.environ["SM_MODEL_DIR"], "model.pt"))
dist.destroy_process_group()
`;

export interface RankLine {
  rank: number;
  world: number;
  host: string;
  local_rank: number;
  master: string;
  loss: number;
  w: number;
  b: number;
}

export const ranks = (lines: string[]): RankLine[] => lines.filter((l) => l.startsWith("RANK ")).map((l) => JSON.parse(l.slice(5)) as RankLine);

/** Every rank prints its rank, the world size, its hostname and SM_CURRENT_HOST after an allreduce of rank + 1. */
export const MPI_ALLREDUCE = `
import os, socket, sys
from mpi4py import MPI
comm = MPI.COMM_WORLD
total = comm.allreduce(comm.Get_rank() + 1)
# One write per line: Open MPI tags each chunk a rank writes.
sys.stdout.write(f"MPI rank {comm.Get_rank()} of {comm.Get_size()} on {socket.gethostname()} sum {total} master env {os.environ['SM_CURRENT_HOST']}\\n")
sys.stdout.flush()
`;
