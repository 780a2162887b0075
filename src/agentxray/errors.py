"""The exception tree of agentxray; only the CLI catches these and turns them into exit code 2.

::

    AgentXrayError                 fatal for the run; ``diagnostics()`` is the one-line user text
    ├── UsageError                 the command line or a target spec is malformed
    ├── TargetError                the target cannot be had
    │   ├── TargetNotFound         no such package, version, file or command
    │   ├── RegistryError          a registry answered wrongly or not at all
    │   └── IntegrityError         a download does not match its published digest
    ├── UnpackError                the container is malformed or hostile beyond recovery
    │   └── LimitExceeded          a size, count, ratio or depth limit was hit
    ├── ObserveError               the sandbox or recorder could not be set up
    └── ConfigError                a rule pack, scenario, persona or profile file is invalid

Problems with one item of many (one file does not parse, one member is too large) are not
exceptions: they become :class:`agentxray.model.Notice` records and the run goes on.
"""

from __future__ import annotations


class AgentXrayError(Exception):
    """Base of every error agentxray raises on purpose."""

    #: What the user can do about it; appended to the message by :meth:`diagnostics`.
    hint: str = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def diagnostics(self) -> str:
        """One line: what went wrong and what to do."""
        text = self.message.rstrip(".")
        return f"{text}. {self.hint}" if self.hint else f"{text}."


class UsageError(AgentXrayError):
    """The command line or a target spec is malformed."""

    hint = "See `agentxray --help`."


class TargetError(AgentXrayError):
    """The target cannot be had."""


class TargetNotFound(TargetError):
    """No such package, version, file or command."""


class RegistryError(TargetError):
    """A registry answered wrongly or not at all."""

    hint = "Check the registry configured for npm/pip on this machine and your network."


class IntegrityError(TargetError):
    """A download does not match the digest its registry publishes."""

    hint = (
        "The download or the registry may be tampered with; run `agentxray cache clear` and retry."
    )


class UnpackError(AgentXrayError):
    """A container is malformed or hostile beyond recovery."""


class LimitExceeded(UnpackError):
    """A size, count, compression-ratio or depth limit was hit."""

    hint = "Raise the limit with the matching --max-* option only if you trust the input."


class ObserveError(AgentXrayError):
    """The sandbox or the recorder could not be set up."""


class ConfigError(AgentXrayError):
    """A rule pack, scenario, persona or agent profile file is invalid."""
