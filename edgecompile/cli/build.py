"""edgecompile build MODEL --target T ..."""
from __future__ import annotations

import click

from edgecompile.cli.backend_options import add_backend_options, collect
from edgecompile.cli.options import (FiniteFloat, echo_json, input_shape_option, json_option, model_argument, shapes,
                                     weights_option)
from edgecompile.core.precision import PRECISIONS


@click.command("build")
@model_argument
@click.option("--target", "-t", "targets", multiple=True, required=True,
              help="Backend, device profile, a profile .toml, 'all' (every installed backend with its defaults), "
              "or 'auto' (the fastest verified artifact for this machine; repeatable).")
@click.option("--precision", "-p", "precisions", multiple=True, type=click.Choice(PRECISIONS),
              help="Precision (repeatable). Default: the profile's first (fp32 for a bare backend); with "
              "'all', every precision each backend has (int8 only with --calib or an already-quantized model).")
@click.option("--calib", help="Calibration data: .npy/.npz, image folder, calibration/*.toml, 'module:function', "
              "'digits', or 'random'.")
@click.option("--calib-samples", type=click.IntRange(1, 1_000_000), default=None, help="Calibration samples to use (default 200).")
@click.option("--calib-method", type=click.Choice(["minmax", "percentile", "entropy", "mse"]), default="minmax",
              show_default=True, help="How int8 ranges are chosen from the calibration statistics.")
@click.option("--max-accuracy-drop", type=FiniteFloat(0, 100), default=None, metavar="PCT",
              help="int8 guard: most accuracy points int8 may lose vs fp32 on --eval; keeps layers float to meet it.")
@click.option("--eval", "eval_src", default=None, help="Guard data: .npz with x/y, folder of class sub-folders, 'digits'.")
@click.option("--min-cosine", type=FiniteFloat(-1, 1), default=None, help="int8 guard for unlabelled --eval data: least output cosine.")
@click.option("--out", "-o", default="build", show_default=True, help="Output folder.")
@click.option("--force", is_flag=True, help="Replace existing artifact folders.")
@click.option("--no-verify", is_flag=True, help="Skip the parity check against ONNX Runtime.")
@click.option("--bench", "bench_after", is_flag=True, help="Benchmark what was built (as `edgecompile bench`).")
@weights_option
@input_shape_option
@add_backend_options
@json_option
def command(model, targets, precisions, calib, calib_samples, calib_method, max_accuracy_drop, eval_src, min_cosine,
            out, force, no_verify, bench_after, weights, input_shape, as_json, **backend_flags):
    """Compile MODEL into one verified artifact folder per target and precision: OUT/<target>-<precision>/."""
    from edgecompile.auto import build  # driver.build, or the auto search for --target auto
    from edgecompile.cli.render import build_progress, print_build_report

    report = build(model, list(targets), list(precisions) or None, calib=calib, calib_samples=calib_samples,
                   out=out, force=force, verify=not no_verify, input_shapes=shapes(input_shape), weights=weights,
                   calib_method=calib_method, max_accuracy_drop=max_accuracy_drop, eval_src=eval_src,
                   min_cosine=min_cosine, progress=None if as_json else build_progress(), options=collect(backend_flags))
    from edgecompile.cli.bench import bench_built

    bench = bench_built(report, quiet=as_json) if bench_after else None
    if as_json:
        echo_json({"source": report.source, "notes": report.notes, "ok": report.ok, **({"bench": bench} if bench else {}),
                   "results": [{"target": r.target, "precision": r.precision, "backend": r.backend,
                                "path": str(r.path) if r.path else None, "error": r.error,
                                "skipped": r.skipped, "parity": r.parity} for r in report.results]})
    else:
        print_build_report(report)
        if bench:
            from edgecompile.cli.render_bench import print_report

            print_report(bench)
    raise SystemExit(0 if report.ok else 1)
