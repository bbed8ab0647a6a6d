"""Every architecture builds for several input shapes and class counts, and rebuilds from its args."""
import pytest

from edgecompile.errors import UsageError

SHAPES = [((1, 8, 8), 10), ((3, 32, 32), 5), ((1, 49, 10), 12)]


@pytest.mark.parametrize("arch", ["mlp", "tinycnn", "dscnn", "mobilenet-tiny", "resnet8"])
@pytest.mark.parametrize("shape,classes", SHAPES)
def test_arch_sized_by_data(arch, shape, classes):
    import torch

    from edgecompile.train import zoo

    args = zoo.arch_args(arch, shape, classes)
    net = zoo.build(arch, args).eval()
    out = net(torch.rand(2, *shape))
    assert out.shape == (2, classes)
    twin = zoo.build(arch, args)
    assert [p.shape for p in twin.parameters()] == [p.shape for p in net.parameters()]


def test_unknown_arch():
    from edgecompile.train import zoo

    with pytest.raises(UsageError, match="Unknown architecture 'vgg99'.*tinycnn"):
        zoo.arch_args("vgg99", (1, 8, 8), 10)
