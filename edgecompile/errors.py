"""Typed errors. The CLI prints each as one paragraph: exit 2 for usage errors, 1 otherwise."""


class EdgeCompileError(Exception):
    """Base class; `str(err)` is the user-facing paragraph."""

    exit_code = 1


class UsageError(EdgeCompileError):
    """The command line or API call asked for something inconsistent or malformed."""

    exit_code = 2


class ModelLoadError(EdgeCompileError):
    """The model file is missing, unreadable or not what its name says."""


class UnsupportedOpError(EdgeCompileError):
    """A backend cannot take some nodes of the graph."""


class ToleranceError(EdgeCompileError):
    """An artifact's outputs differ from the reference beyond its tolerance."""


class BudgetExceededError(EdgeCompileError):
    """An artifact does not fit the RAM or flash budget of its target."""


class MissingExtraError(EdgeCompileError):
    """A backend's SDK is not installed; the message carries the pip command."""

    def __init__(self, backend: str, extra: str, detail: str = ""):
        self.backend, self.extra = backend, extra
        fix = f"pip install 'edgecompile[{extra}]'"
        detail = detail.replace(f"; {fix}", "").replace(fix, "").strip(" ;:")  # say the command once
        why = f" ({detail})" if detail else ""
        super().__init__(f"The '{backend}' backend needs packages that are not installed{why}. Install them with: {fix}")


class ToolchainError(EdgeCompileError):
    """A compiler a target needs is missing, rejects the target's options, or fails on generated code."""


class CannotRunHereError(EdgeCompileError):
    """A valid artifact for another machine (e.g. cross-compiled for aarch64): it cannot run on this host."""


class ArtifactError(EdgeCompileError):
    """An artifact folder is missing, foreign or damaged, or would overwrite something."""


class CalibrationError(EdgeCompileError):
    """Calibration or evaluation data does not fit the model."""


class ToolError(EdgeCompileError):
    """An external program (compiler, emulator, converter, worker) is missing, hung or crashed."""


class InputError(EdgeCompileError, ValueError):
    """Runner.run() got feeds whose names, shapes or dtypes are not the artifact's inputs."""


class EngineMismatchError(CannotRunHereError):
    """A device-specific engine (TensorRT) built on another GPU model or runtime version."""
