"""The soak's records and the ledger of what each producer was told about them.

A record is named by its producer's label and its sequence number within that producer
(0, 1, 2, ...). Its key and value follow from the name alone, so the checker can tell a
record that came back corrupted from one that came back intact:

    value  b"soak <label> <sequence> <padding>"   padding: 0..60 bytes mostly, one record
                                                  in 20 of 1000..4000, one letter repeated
    key    None for a quarter of the records, else b"k<0..63>" (so the keyed ones spread
           over the partitions by librdkafka's hash partitioner, the rest at random)

A ProducerLedger holds, per sequence number, whether the record is still pending, was
acknowledged (with the partition and offset the acknowledgement reported) or failed,
and during which broker run that happened. The arrays are compact because a long soak
writes millions of records.
"""

import array
import zlib

VALUE_PREFIX = b"soak"
PADDING_LETTERS = b"abcdefghijklmnopqrstuvwxyz"

PENDING, ACKNOWLEDGED, FAILED = 0, 1, 2


def _name_hash(label, sequence):
    return zlib.crc32(b"%s:%d" % (label.encode(), sequence))


def record_key(label, sequence):
    name_hash = _name_hash(label, sequence)
    return None if name_hash % 4 == 0 else b"k%d" % ((name_hash >> 2) % 64)


def record_value(label, sequence):
    name_hash = _name_hash(label, sequence)
    if (name_hash >> 8) % 20 == 0:
        padding_bytes = 1000 + (name_hash >> 13) % 3001
    else:
        padding_bytes = (name_hash >> 13) % 61
    padding = PADDING_LETTERS[(name_hash >> 24) % 26:][:1] * padding_bytes
    return b"%s %s %d %s" % (VALUE_PREFIX, label.encode(), sequence, padding)


def parse_value(value):
    """(label, sequence) of a soak record's value, or None for anything else."""
    if value is None:
        return None
    words = value.split(b" ", 3)
    if len(words) != 4 or words[0] != VALUE_PREFIX or not words[2].isdigit():
        return None
    return words[1].decode(errors="replace"), int(words[2])


class ProducerLedger:
    """Every record one producer instance (one producer id) produced, by sequence number.
    Written only by the producer's own thread (produce() and its delivery callbacks)."""

    def __init__(self, label):
        self.label = label
        self.status = bytearray()
        self.partition = array.array("h")
        self.offset = array.array("q")
        self.produced_run = array.array("i")  # broker run when produce() was called
        self.reported_run = array.array("i")  # broker run when the report came, 0: none
        self.errors = {}  # sequence -> the delivery error, for FAILED records
        self.acknowledged = 0

    @property
    def produced(self):
        return len(self.status)

    def next_record(self, broker_run):
        """Registers the next record; returns (sequence, key, value) to produce."""
        sequence = len(self.status)
        self.status.append(PENDING)
        self.partition.append(-1)
        self.offset.append(-1)
        self.produced_run.append(broker_run)
        self.reported_run.append(0)
        return sequence, record_key(self.label, sequence), record_value(self.label, sequence)

    def report(self, sequence, error, partition, offset, broker_run):
        """A delivery report; a second report for the same record is a client bug."""
        assert self.status[sequence] == PENDING, \
            f"second delivery report for {self.label}/{sequence}"
        self.reported_run[sequence] = broker_run
        if error is None:
            self.status[sequence] = ACKNOWLEDGED
            self.partition[sequence] = partition
            self.offset[sequence] = offset
            self.acknowledged += 1
        else:
            self.status[sequence] = FAILED
            self.errors[sequence] = str(error)

    def pending(self):
        return self.status.count(PENDING)
