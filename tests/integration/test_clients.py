"""Real Kafka clients from Debian see the broker: kcat and confluent-kafka (librdkafka
2.0.2) and kafka-python 2.0.2.

What they send: librdkafka starts with ApiVersions v3 (header v2, its client software name
and version), then Metadata at the highest version both sides have. kafka-python probes
with ApiVersions v0 followed at once by Metadata v0 (empty list: all topics), infers the
"broker version" from the advertised Metadata range (v5 => 1.0.0), then asks for Metadata
v1 (bootstrap) and v5 (controller id; describe_cluster), never DescribeCluster."""

import subprocess

import confluent_kafka.admin
import kafka

CLIENT_TIMEOUT_SECONDS = 30


def test_kcat_lists_the_broker_as_controller(broker):
    result = subprocess.run(
        ["kcat", "-b", broker.bootstrap, "-L", "-m", str(CLIENT_TIMEOUT_SECONDS)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=CLIENT_TIMEOUT_SECONDS + 10)
    assert result.returncode == 0, result.stderr
    assert " 1 brokers:" in result.stdout, result.stdout
    assert f"  broker 1 at 127.0.0.1:{broker.port} (controller)" in result.stdout, result.stdout
    assert " 0 topics:" in result.stdout, result.stdout


def test_confluent_kafka_admin_lists_the_broker_and_cluster_id(broker):
    admin = confluent_kafka.admin.AdminClient({"bootstrap.servers": broker.bootstrap})
    cluster = admin.list_topics(timeout=CLIENT_TIMEOUT_SECONDS)
    assert {node_id: (entry.host, entry.port) for node_id, entry in cluster.brokers.items()} \
        == {1: ("127.0.0.1", broker.port)}
    assert cluster.cluster_id == broker.meta_properties()["cluster.id"]
    assert cluster.controller_id == 1
    assert cluster.topics == {}


def test_kafka_python_admin_describes_the_cluster(broker):
    admin = kafka.KafkaAdminClient(bootstrap_servers=broker.bootstrap,
                                   request_timeout_ms=CLIENT_TIMEOUT_SECONDS * 1000)
    try:
        cluster = admin.describe_cluster()
    finally:
        admin.close()
    assert cluster["cluster_id"] == broker.meta_properties()["cluster.id"]
    assert cluster["controller_id"] == 1
    assert [(entry["node_id"], entry["host"], entry["port"]) for entry in cluster["brokers"]] \
        == [(1, "127.0.0.1", broker.port)]
