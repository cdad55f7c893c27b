"""Running the samsa CLI (`build/samsa COMMAND ...`) against a test's broker.

    result = run_cli(broker, "topic", "create", "orders", "-p", "3")
    assert result.returncode == 0, result.stderr
    topics = run_cli_json(broker, "topic", "list")      # --format json, parsed

Every call gets --brokers for the broker and a timeout; stdin may be given as text.
"""

import json
import subprocess

from broker_process import samsa_binary

CLI_TIMEOUT_SECONDS = 60


def run_cli(broker, *arguments, input_text=None, brokers=None, timeout=CLI_TIMEOUT_SECONDS):
    """Runs `samsa ARGUMENTS... --brokers <broker>`; returns the CompletedProcess (text)."""
    command = [str(samsa_binary()), *arguments,
               "--brokers", brokers if brokers is not None else broker.bootstrap]
    return subprocess.run(command, input=input_text, capture_output=True, text=True,
                          timeout=timeout, check=False)


def run_cli_json(broker, *arguments, input_text=None):
    """Runs the command with --format json, requires exit code 0, returns the parsed output."""
    result = run_cli(broker, *arguments, "--format", "json", input_text=input_text)
    assert result.returncode == 0, (
        f"samsa {' '.join(arguments)} exited {result.returncode}: {result.stderr}")
    return json.loads(result.stdout)
