"""Root command group. Subcommands are imported only when invoked, so `--help` stays light."""
from __future__ import annotations

import importlib
import importlib.util
import sys

import click

from edgecompile import __version__

# name -> (module under edgecompile.cli, one-line help shown by `edgecompile --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "quickstart": ("quickstart", "Train a digits CNN, build it for every available backend, verify and benchmark."),
    "build": ("build", "Compile a model for one or more targets into verified artifacts."),
    "inspect": ("inspect", "Show a model's I/O, parameters, MACs, peak activation memory and backend support."),
    "targets": ("targets", "List backends and device profiles, and whether each is available here."),
    "device-build": ("device_build", "Finish an artifact on its device (tensorrt: build and check the engine)."),
    "bench": ("bench", "Measure artifacts: load time, latency percentiles, throughput, size."),
    "serve": ("serve", "Serve artifacts over HTTP (KServe v2) with dynamic batching and Prometheus metrics."),
    "calibrate": ("calibrate", "Compute (and cache) the INT8 range table for a model and calibration data."),
    "quant-report": ("quant_report", "Per-layer SQNR of an INT8 artifact against its float graph."),
    "train": ("train", "Train an edge model (mlp, tinycnn, dscnn, mobilenet-tiny, resnet8)."),
    "finetune": ("finetune", "LoRA fine-tune a training run; optionally merge the adapters."),
    "prune": ("prune", "Structured channel pruning with recovery fine-tuning."),
    "data": ("data", "Dataset tools (pack WebDataset shards)."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return [n for n, (mod, _) in COMMANDS.items() if importlib.util.find_spec(f"edgecompile.cli.{mod}")]

    def get_command(self, ctx, name):
        if name not in COMMANDS or name not in self.list_commands(ctx):
            return None
        return importlib.import_module(f"edgecompile.cli.{COMMANDS[name][0]}").command

    def format_commands(self, ctx, formatter):
        rows = [(n, COMMANDS[n][1]) for n in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx):
        import signal

        from edgecompile.errors import EdgeCompileError

        def terminate(signum, frame):  # what `timeout` and CI send: clean up like Ctrl-C does
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, terminate)
        try:
            return super().invoke(ctx)
        except EdgeCompileError as e:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"error: {e}", err=True)
            sys.exit(e.exit_code)

    def main(self, args=None, prog_name=None, standalone_mode=True, **extra):
        """click's own usage errors in edgecompile's style: one `error:` line and a pointer to --help, exit 2."""
        if not standalone_mode:
            return super().main(args, prog_name, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, standalone_mode=False, **extra)
        except click.UsageError as e:
            hint = f" Run '{e.ctx.command_path} --help' for its options." if e.ctx else ""
            click.echo(f"error: {e.format_message()}{hint}", err=True)
            sys.exit(e.exit_code)
        except click.ClickException as e:
            click.echo(f"error: {e.format_message()}", err=True)
            sys.exit(e.exit_code)
        except click.Abort:
            click.echo("error: aborted.", err=True)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="edgecompile")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for errors.")
@click.pass_context
def cli(ctx, debug):
    """edgecompile: one normalized ONNX graph, many verified target artifacts."""
    ctx.obj = {"debug": debug}
