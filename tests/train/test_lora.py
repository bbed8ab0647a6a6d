"""LoRA through peft: adapters saved, merge equals the adapter model, merged runs build on onnxruntime."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

MERGE_TOL = 1e-5


def _build(run, out):
    from edgecompile.cli.main import cli

    res = CliRunner().invoke(cli, ["build", str(run), "-t", "onnxruntime", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out / "onnxruntime-fp32" / "model.onnx"


def test_lora_adapter_merge_and_build(digits_run, tmp_path):
    import onnxruntime as ort
    import torch

    from edgecompile.cli.main import cli
    from edgecompile.train import bundle
    from edgecompile.train.data import open_data

    common = ["--data", "digits-shifted", "--lora-r", "4", "--lora-alpha", "8", "--epochs", "1",
              "--target-modules", "3", "--target-modules", "7", "--target-modules", "12"]
    res = CliRunner().invoke(cli, ["finetune", str(digits_run), *common, "--out", str(tmp_path / "adapter")])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(cli, ["finetune", str(digits_run), *common, "--merge", "--out", str(tmp_path / "merged")])
    assert res.exit_code == 0, res.output
    for run in ("adapter", "merged"):
        assert (tmp_path / run / "adapter" / "adapter_config.json").is_file()
        assert (tmp_path / run / "adapter" / "adapter_model.safetensors").is_file()
    lora_b, plain_b = bundle.load(tmp_path / "adapter"), bundle.load(tmp_path / "merged")
    assert lora_b["kind"] == "lora" and plain_b["kind"] == "model" and "lora" not in plain_b
    assert lora_b["metrics"]["trainable_fraction"] < 0.35
    x = torch.from_numpy(open_data("digits-shifted").x_test[:128])
    adapter_model = bundle.build_model(lora_b).eval()
    assert any("lora_A" in n for n, _ in adapter_model.named_parameters())
    plain = bundle.build_model(plain_b).eval()
    assert not any("lora" in n for n, _ in plain.named_parameters())
    with torch.no_grad():
        err = float((adapter_model(x) - plain(x)).abs().max())
    assert err <= MERGE_TOL and plain_b["metrics"]["merge_max_abs_err"] <= MERGE_TOL
    onnx_path = _build(tmp_path / "merged", tmp_path / "b")
    got = ort.InferenceSession(str(onnx_path)).run(None, {"input": x[:1].numpy()})[0]
    np.testing.assert_allclose(got, plain(x[:1]).detach().numpy(), atol=1e-4)
    _build(tmp_path / "adapter", tmp_path / "b2")  # an unmerged run builds too (merged at export)


@pytest.mark.slow
def test_transformers_vit_from_config(tmp_path):
    """A tiny ViT built from a config (no hub), LoRA on its Linear layers, merged, built on onnxruntime."""
    from edgecompile.cli.main import cli
    from edgecompile.train import bundle

    config = {"model_type": "vit", "architectures": ["ViTForImageClassification"], "image_size": 8, "patch_size": 2,
              "num_channels": 1, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
              "intermediate_size": 64, "num_labels": 10}
    (tmp_path / "vit.json").write_text(json.dumps(config))
    res = CliRunner().invoke(cli, ["finetune", str(tmp_path / "vit.json"), "--data", "digits", "--lora-r", "4",
                                   "--target-modules", "q_proj", "--target-modules", "v_proj", "--epochs", "2",
                                   "--merge", "--out", str(tmp_path / "vit")])
    assert res.exit_code == 0, res.output
    b = bundle.load(tmp_path / "vit")
    assert b["hf"]["class"] == "ViTForImageClassification" and b["metrics"]["merge_max_abs_err"] <= MERGE_TOL
    assert b["metrics"]["test_accuracy"] > 0.2  # 2 epochs from scratch: learning, not converged
    _build(tmp_path / "vit", tmp_path / "b")


def test_transformers_local_folder(tmp_path):
    """A local folder with config.json + weights loads with local_files_only (no hub), unmerged LoRA builds."""
    import torch
    import transformers

    from edgecompile.train import bundle

    cfg = transformers.ViTConfig(image_size=8, patch_size=4, num_channels=1, hidden_size=16, num_hidden_layers=1,
                                 num_attention_heads=2, intermediate_size=32, num_labels=10,
                                 architectures=["ViTForImageClassification"])
    torch.manual_seed(0)
    transformers.ViTForImageClassification(cfg).save_pretrained(tmp_path / "vitdir")
    from edgecompile.train.lora import finetune

    m = finetune(str(tmp_path / "vitdir"), "digits", str(tmp_path / "run"), r=2, target_modules=["q_proj", "v_proj"],
                 epochs=1)
    assert 0 < m["trainable_fraction"] < 0.5
    assert bundle.load(tmp_path / "run")["kind"] == "lora"
    _build(tmp_path / "run", tmp_path / "b")
