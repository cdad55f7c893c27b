"""The soak's checker (soak_oracle.LogCheck) on logs made up here: it passes an intact log
and names each kind of problem a broken one has. No broker: it checks the checker."""

from soak_oracle import LogCheck
from soak_records import ProducerLedger, parse_value, record_key, record_value


def describe_run(number):
    return f"broker run {number}"


def ledger_with(label, outcomes):
    """A ledger whose records were reported as `outcomes`: (partition, offset) for an
    acknowledgement, "failed" for an error."""
    ledger = ProducerLedger(label)
    for outcome in outcomes:
        sequence, _, _ = ledger.next_record(broker_run=1)
        if outcome == "failed":
            ledger.report(sequence, "timed out", -1, -1, broker_run=2)
        else:
            ledger.report(sequence, None, outcome[0], outcome[1], broker_run=2)
    return ledger


def check(ledgers, log):
    """Runs a LogCheck over `log`: [(partition, offset, label, sequence)]."""
    checker = LogCheck(ledgers, describe_run)
    for partition, offset, label, sequence in log:
        checker.visit(partition, offset, record_key(label, sequence),
                      record_value(label, sequence))
    checker.finish()
    return checker


def test_records_name_themselves():
    for sequence in range(200):
        assert parse_value(record_value("p0.0", sequence)) == ("p0.0", sequence)
    assert parse_value(b"something else") is None
    assert parse_value(None) is None


def test_an_intact_log_passes_and_an_unacknowledged_record_may_be_there_or_not():
    ledger = ledger_with("p0.0", [(0, 0), (1, 0), "failed", (0, 1), "failed"])
    checker = check([ledger], [(0, 0, "p0.0", 0), (1, 0, "p0.0", 1), (1, 1, "p0.0", 2),
                               (0, 1, "p0.0", 3)])
    assert not checker.counts, checker.report({})
    assert checker.checked == 4
    assert (checker.unacknowledged_present, checker.unacknowledged_missing) == (1, 1)


def test_each_kind_of_problem_is_named():
    ledger = ledger_with("p0.0", [(0, 0), (0, 1), (0, 2), (0, 3), "failed"])
    checker = LogCheck([ledger], describe_run)
    checker.visit(0, 0, record_key("p0.0", 0), record_value("p0.0", 0))
    checker.visit(0, 1, record_key("p0.0", 2), record_value("p0.0", 2))  # 1 lost, 2 moved
    checker.visit(0, 2, record_key("p0.0", 0), record_value("p0.0", 0))  # 0 again
    checker.visit(0, 4, record_key("p0.0", 3), b"soak p0.0 3 tampered")  # gap, corrupted
    checker.visit(0, 5, None, b"not a soak record")
    checker.visit(0, 6, record_key("p0.0", 4), record_value("p0.0", 4))
    checker.visit(0, 7, record_key("p0.0", 4), record_value("p0.0", 4))  # failed, twice
    checker.finish()
    assert dict(checker.counts) == {"lost": 1, "misplaced": 2, "duplicated": 2,
                                    "reordered": 2, "gap": 1, "corrupted": 1, "foreign": 1}
    report = checker.report({(0, 1): "p0.0/2"})
    assert "p0.0/1 is not in the log" in report
    assert "p0.0/0 at partition 0 offset 0 and again at partition 0 offset 2" in report
    assert "partition 0 offset 1: p0.0/2" in report


def test_order_is_per_producer_and_partition():
    first = ledger_with("p0.0", [(0, 0), (1, 0), (0, 2)])
    second = ledger_with("r0.0", [(0, 1)])
    checker = check([first, second], [(0, 0, "p0.0", 0), (0, 1, "r0.0", 0),
                                      (0, 2, "p0.0", 2), (1, 0, "p0.0", 1)])
    assert not checker.counts, checker.report({})
