"""Structured pruning: coupled layers (residual add, depthwise groups, Linear after flatten) shrink
together, the pruned run rebuilds from its bundle, builds on onnxruntime, and reports measured latency."""
import json

import numpy as np
import pytest
from click.testing import CliRunner


@pytest.mark.parametrize("arch", ["tinycnn", "resnet8", "mobilenet-tiny", "dscnn"])
def test_coupled_layers_pruned_and_rebuilt(arch, tmp_path):
    import torch
    import torch.nn as nn

    from edgecompile.frontends import load
    from edgecompile.train import bundle, zoo
    from edgecompile.train.prune import cost, prune_model

    args = zoo.arch_args(arch, (1, 8, 8), 10)
    torch.manual_seed(0)
    net = zoo.build(arch, args)
    before = cost(net, (1, 8, 8))
    prune_model(net, (1, 8, 8), 0.5, "l1")
    after = cost(net, (1, 8, 8))
    assert before["macs"] / after["macs"] >= 1.8
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert all(m.groups in (1, m.in_channels) and m.out_channels % m.groups == 0 for m in convs)
    assert any(m.out_channels < zoo.build(arch, args).get_submodule(n).out_channels
               for n, m in net.named_modules() if isinstance(m, nn.Conv2d))
    assert zoo.classifier(net).out_features == 10
    x = torch.rand(3, 1, 8, 8)
    expect = net.eval()(x)
    b = {**bundle.model_record(net, {"arch": arch, "arch_args": args, "in_shape": [1, 8, 8],
                                     "classes": [str(i) for i in range(10)]})}
    bundle.save(tmp_path / "run", b)
    again = bundle.build_model(bundle.load(tmp_path / "run")).eval()
    assert torch.equal(again(x), expect)
    assert load(str(tmp_path / "run")).parity["max_abs_err"] < 1e-4


def test_prune_command_reports_measured_latency(digits_run, tmp_path):
    from edgecompile.cli.main import cli

    res = CliRunner().invoke(cli, ["prune", str(digits_run), "--ratio", "0.5", "--method", "taylor",
                                   "--finetune-epochs", "1", "--measure-on", "onnxruntime", "--out", str(tmp_path / "p")])
    assert res.exit_code == 0, res.output
    assert "MACs" in res.output and "latency (us)" in res.output
    r = json.loads((tmp_path / "p" / "prune_report.json").read_text())
    assert r["macs_reduction"] >= 1.8 and r["after"]["params"] < r["before"]["params"]
    for side in ("before", "after"):
        assert r[side]["latency"]["target"] == "onnxruntime" and r[side]["latency"]["median_us"] > 0
    assert np.isfinite(r["latency_speedup"]) and r["after"]["test_accuracy"] > 0.5
    res = CliRunner().invoke(cli, ["build", str(tmp_path / "p"), "-t", "onnxruntime", "--out", str(tmp_path / "b")])
    assert res.exit_code == 0, res.output


def test_prune_bad_ratio(digits_run, tmp_path):
    from edgecompile.cli.main import cli

    res = CliRunner().invoke(cli, ["prune", str(digits_run), "--ratio", "1.5", "--out", str(tmp_path / "p")])
    assert res.exit_code == 2 and "--ratio" in res.output


def test_global_ranking_keeps_every_layer(tmp_path):
    import torch
    import torch.nn as nn

    from edgecompile.train import zoo
    from edgecompile.train.prune import cost, prune_model

    args = zoo.arch_args("resnet8", (1, 8, 8), 10)
    torch.manual_seed(0)
    net = zoo.build("resnet8", args)
    before = cost(net, (1, 8, 8))
    prune_model(net, (1, 8, 8), 0.5, "l1", global_ranking=True)
    assert cost(net, (1, 8, 8))["params"] < before["params"]
    assert all(m.out_channels >= 1 for m in net.modules() if isinstance(m, nn.Conv2d))
    assert net(torch.rand(2, 1, 8, 8)).shape == (2, 10)
