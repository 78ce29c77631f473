"""The "Saving and loading a general checkpoint" recipe, with a state_dict tour, init by
Module.apply, a forward hook and an LR scheduler."""

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


net = Net()
optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
print("Model's state_dict:")
for param_tensor in net.state_dict():
    print(param_tensor, "\t", net.state_dict()[param_tensor].size())
loss = F.cross_entropy(net(torch.randn(4, 400)), torch.tensor([1, 2, 3, 4]))
loss.backward()
optimizer.step()
print("Optimizer's state_dict:")
for var_name in optimizer.state_dict():
    print(var_name, "\t", optimizer.state_dict()[var_name])
EPOCH = 5
PATH = "model.pt"
LOSS = 0.4
torch.save(
    {
        "epoch": EPOCH,
        "model_state_dict": net.state_dict(),
        "optimizer_state_dict": optimizer.state_dict(),
        "loss": LOSS,
    },
    PATH,
)
model = Net()
optimizer = optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
checkpoint = torch.load(PATH, weights_only=True)
model.load_state_dict(checkpoint["model_state_dict"])
optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
epoch = checkpoint["epoch"]
loss = checkpoint["loss"]
print(epoch, loss, type(epoch), type(loss))
model.eval()
model.train()
torch.save(net.state_dict(), "sd.pt")
model.load_state_dict(torch.load("sd.pt", weights_only=False), strict=False)
print(model.load_state_dict(torch.load("sd.pt")))
netA = Net()
torch.save(
    {"modelA_state_dict": netA.state_dict(), "optimizerA_state_dict": optimizer.state_dict()},
    "multi.pt",
)
d = torch.load("multi.pt")
print(sorted(d))


# apply init
def init_weights(m):
    if isinstance(m, nn.Linear):
        torch.nn.init.xavier_uniform_(m.weight)
        m.bias.data.fill_(0.01)


net.apply(init_weights)
print([n for n, _ in net.named_modules()])
h = net.fc1.register_forward_hook(lambda m, i, o: print("hook", o.shape))
net(torch.randn(2, 400))
h.remove()
sched = optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)
sched.step()
print(sched.get_last_lr())
print(sum(p.numel() for p in net.parameters() if p.requires_grad))
