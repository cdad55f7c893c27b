"""A consume-transform-produce loop with exactly-once semantics, run as its own process so a
test can kill -9 it: reads `input` in group `group` (read_committed), writes "out:<value>"
to `output` and commits its input offsets in the same transaction (transactional id
`transactional_id`). Every `abort_every`-th transaction is aborted on purpose and its input
read again. Runs until killed or terminated.

    transactional_transformer.py BOOTSTRAP INPUT OUTPUT GROUP TRANSACTIONAL_ID ABORT_EVERY

Exit codes: 0 on SIGTERM, 2 when the producer was fenced or failed fatally (a test starts a
new transformer then).
"""

import signal
import sys
import time

import confluent_kafka
from confluent_kafka import KafkaException

BATCH = 20
TIMEOUT_SECONDS = 30


def rewind(consumer):
    """Back to the committed offsets: the input of an aborted transaction is read again."""
    assignment = consumer.assignment()
    if not assignment:
        return
    for partition in consumer.committed(assignment, timeout=TIMEOUT_SECONDS):
        offset = partition.offset if partition.offset >= 0 else confluent_kafka.OFFSET_BEGINNING
        consumer.seek(confluent_kafka.TopicPartition(partition.topic, partition.partition, offset))


def with_retries(operation, *args):
    """librdkafka's rule for commit, abort and send_offsets: a retriable error (a timeout, a
    coordinator moving) means the same call again."""
    while True:
        try:
            return operation(*args)
        except KafkaException as failure:
            if not failure.args[0].retriable():
                raise


def main():
    bootstrap, input_topic, output_topic, group, transactional_id, abort_every = sys.argv[1:7]
    abort_every = int(abort_every)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    consumer = confluent_kafka.Consumer({
        "bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
        "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
    producer = confluent_kafka.Producer({
        "bootstrap.servers": bootstrap, "transactional.id": transactional_id,
        "transaction.timeout.ms": 10000})
    producer.init_transactions(TIMEOUT_SECONDS)
    consumer.subscribe([input_topic])
    transactions = 0
    while not stopping:
        messages = [m for m in consumer.consume(BATCH, timeout=0.5) if m.error() is None]
        if not messages:
            continue
        transactions += 1
        try:
            producer.begin_transaction()
            for message in messages:
                producer.produce(output_topic, key=message.key(), value=b"out:" + message.value())
            # A pause inside the transaction, so that a kill lands in one now and then.
            producer.poll(0.02)
            if abort_every > 0 and transactions % abort_every == 0:
                # Written first, so aborted records reach the log (librdkafka would purge them).
                producer.flush(TIMEOUT_SECONDS)
                with_retries(producer.abort_transaction, TIMEOUT_SECONDS)
                rewind(consumer)
                continue
            with_retries(producer.send_offsets_to_transaction,
                         consumer.position(consumer.assignment()),
                         consumer.consumer_group_metadata(), TIMEOUT_SECONDS)
            with_retries(producer.commit_transaction, TIMEOUT_SECONDS)
        except KafkaException as failure:
            error = failure.args[0]
            if error.fatal():
                print(f"fatal: {error}", file=sys.stderr, flush=True)
                sys.exit(2)
            if error.txn_requires_abort():
                with_retries(producer.abort_transaction, TIMEOUT_SECONDS)
            else:
                print(f"failed: {error}", file=sys.stderr, flush=True)
                sys.exit(2)
            rewind(consumer)
    consumer.close()


if __name__ == "__main__":
    main()
