"""What the "Introduction to PyTorch Tensors" tutorial (the introyt series) calls, in code of our
own: factories and seeding, dtypes, arithmetic and broadcasting, the math sampler (asin,
bitwise_xor, unique, cross, svd), in-place functions and methods, out=, clone and detach,
devices, squeeze/unsqueeze and their in-place forms, reshape, the NumPy bridge."""

import math

import numpy as np
import torch

grid = torch.empty(2, 5)
print(type(grid), grid.shape)
print(torch.zeros(3, 2), torch.ones(1, 4))

torch.manual_seed(7)
first = torch.rand(2, 2)
torch.manual_seed(7)
again = torch.rand(2, 2)
print(torch.equal(first, again), first.shape)

base = torch.empty(3, 1, 2)
for made in (torch.empty_like(base), torch.zeros_like(base), torch.ones_like(base)):
    print(made.shape, made.dtype)
print(torch.rand_like(base).shape)

print(torch.tensor([[2.5, -1.25], [0.5, 8.0]]))
print(torch.tensor((1, 1, 2, 3, 5, 8)))
print(torch.tensor(((1, 2), [3, 4], (5, 6))))

shorts = torch.ones((2, 2), dtype=torch.int16)
print(shorts)
doubles = torch.rand((2, 3), dtype=torch.float64) * 10.0
print(doubles.dtype, doubles.to(torch.int32).dtype)

halves = torch.ones(2, 3) / 2
print(halves + 1, halves * 4 - 1, (halves * 6) ** 2, halves**0.5)
print(torch.full((2, 2), 3.0) ** torch.tensor([[0, 1], [2, 3]]))
print(torch.ones(3, 2) + torch.tensor([10.0, 20.0]), torch.ones(3, 2) * torch.rand(3, 1).shape[0])

cube = torch.ones(2, 3, 4)
print(
    (cube * torch.rand(3, 4)).shape,
    (cube * torch.rand(3, 1)).shape,
    (cube * torch.rand(1, 4)).shape,
)

signed = torch.rand(3, 3) * 4 - 2
print(torch.abs(signed).shape, torch.ceil(signed).dtype, torch.floor(signed).shape)
print(torch.clamp(signed, -1, 1).abs().max() <= 1)
angles = torch.tensor([0.0, math.pi / 6, math.pi / 3])
print(torch.asin(torch.sin(angles)))
print(torch.bitwise_xor(torch.tensor([3, 6, 12]), torch.tensor([5, 5, 5])))
print(torch.eq(torch.tensor([[1.0, 2.0], [2.0, 1.0]]), torch.tensor([1.0, 2.0])))

table = torch.tensor([[1.0, 4.0], [9.0, 16.0]])
print(torch.max(table), torch.max(table).item(), torch.mean(table), torch.std(table))
print(torch.prod(table), torch.unique(torch.tensor([3, 1, 3, 2, 1])))

east = torch.tensor([1.0, 0.0, 0.0])
north = torch.tensor([0.0, 1.0, 0.0])
print(torch.cross(east, north, dim=0), torch.cross(north, east, dim=0))
square = torch.tensor([[2.0, 0.0], [0.0, 5.0]])
product = torch.matmul(torch.eye(2) * 3, square)
print(product)
u, s, v = torch.svd(product)
print(s, (u @ torch.diag(s) @ v.T - product).abs().max() < 1e-5)
print(type(torch.svd(product)).__name__)

ramp = torch.tensor([0.0, math.pi / 2, math.pi])
print(torch.sin(ramp), ramp)
print(torch.sin_(ramp), ramp)
left, right = torch.ones(2, 2), torch.full((2, 2), 0.5)
print(left.add_(right), left, right.mul_(right), right)

target = torch.zeros(2, 2)
returned = torch.matmul(torch.eye(2), torch.full((2, 2), 2.0), out=target)
print(returned is target, target)
torch.rand(2, 2, out=target)
print(target.shape)

original = torch.ones(2, 2)
alias = original
copy = original.clone()
original[0][1] = 9
print(alias, copy)
tracked = torch.rand(2, 2, requires_grad=True)
print(tracked.clone().requires_grad, tracked.detach().clone().requires_grad)

print("GPU" if torch.cuda.is_available() else "CPU only")
where = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(where, torch.rand(2, 2, device=where).device, torch.rand(1).to(where).device)

image = torch.rand(3, 8, 8)
print(
    image.unsqueeze(0).shape, torch.rand(1, 1, 5).squeeze().shape, torch.rand(2, 2).squeeze(0).shape
)
column = torch.rand(3).unsqueeze(1)
print(column.shape, (torch.ones(4, 3, 2) * column).shape)
batch = torch.rand(3, 8, 8)
batch.unsqueeze_(0)
print(batch.shape)
batch.squeeze_(0)
print(batch.shape)
flat = torch.rand(4, 5, 5).reshape(4 * 5 * 5)
print(flat.shape, torch.reshape(torch.rand(4, 5, 5), (100,)).shape)

shared = np.ones((2, 2))
bridged = torch.from_numpy(shared)
shared[0, 0] = 42
print(bridged, bridged.dtype)
back = torch.ones(2, 3)
as_array = back.numpy()
back[1, 1] = 7
print(as_array)
