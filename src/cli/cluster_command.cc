// samsa cluster info: the cluster id, the controller and the brokers (host:port, rack).
// DescribeCluster (on the project's protocol layer; librdkafka 2.0 lacks it) when the broker
// offers it, because only it carries racks; else librdkafka's metadata.

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include "cli/admin_support.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "client/kafka_connection.h"
#include "protocol/generated/describe_cluster_request.h"
#include "protocol/generated/describe_cluster_response.h"

namespace samsa::cli {

namespace {

struct cluster_view {
    std::string cluster_id;
    int32_t controller = -1;
    std::vector<client::broker_info> brokers;
};

// nullopt when the broker does not offer DescribeCluster (the caller falls back to
// metadata); a failure when it cannot be reached or refuses.
client::client_result<std::optional<cluster_view>> describe_cluster(cli_context& context) {
    auto connection = client::kafka_connection::open_any(context.connection);
    if (!connection) {
        return failure{connection.error()};
    }
    if (!connection->negotiated_version(
            protocol::message_traits<protocol::describe_cluster_request>::api_key)) {
        return std::optional<cluster_view>{};
    }
    protocol::describe_cluster_request request;
    auto response = connection->send<protocol::describe_cluster_response>(request);
    if (!response) {
        return failure{response.error()};
    }
    if (response->error_code != protocol::error_code::none) {
        std::string reason = response->error_message ? *response->error_message : "";
        return failure{
            client::refused("cannot describe the cluster: " +
                            std::string(protocol::error_code_name(response->error_code)) +
                            (reason.empty() ? "" : " (" + reason + ")"))};
    }
    cluster_view view;
    view.cluster_id = response->cluster_id;
    view.controller = response->controller_id.value();
    for (const auto& broker : response->brokers) {
        view.brokers.push_back({.id = broker.broker_id.value(),
                                .host = broker.host,
                                .port = broker.port,
                                .rack = broker.rack});
    }
    std::sort(view.brokers.begin(), view.brokers.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
    return std::optional<cluster_view>(std::move(view));
}

client::client_result<cluster_view> metadata_view(cli_context& context) {
    auto admin = client::admin_client::create(context.connection);
    if (!admin) {
        return failure{admin.error()};
    }
    auto everything = admin->metadata();
    if (!everything) {
        return failure{everything.error()};
    }
    cluster_view view;
    view.cluster_id = admin->cluster_id();
    view.controller = admin->controller_id();
    view.brokers = everything->brokers;
    return view;
}

void run_info(cli_context& context) {
    auto described = describe_cluster(context);
    if (!described) {
        context.fail(described.error());
        return;
    }
    cluster_view view;
    if (*described) {
        view = std::move(**described);
    } else {
        auto fallback = metadata_view(context);
        if (!fallback) {
            context.fail(fallback.error());
            return;
        }
        view = std::move(fallback).value();
    }
    if (wants_json(context)) {
        protocol::json_writer json;
        json.begin_object();
        json.key("cluster_id");
        json.value(view.cluster_id);
        json.key("controller");
        json.value(static_cast<int64_t>(view.controller));
        json.key("brokers");
        json.begin_array();
        for (const auto& broker : view.brokers) {
            json.begin_object();
            json.key("id");
            json.value(static_cast<int64_t>(broker.id));
            json.key("host");
            json.value(broker.host);
            json.key("port");
            json.value(static_cast<int64_t>(broker.port));
            json.key("rack");
            output::write_optional(json, broker.rack);
            json.end_object();
        }
        json.end_array();
        json.end_object();
        output::print_json(json);
        return;
    }
    output::table brokers({"ID", "ADDRESS", "RACK", "ROLE"});
    for (const auto& broker : view.brokers) {
        brokers.add_row({std::to_string(broker.id), broker.host + ":" + std::to_string(broker.port),
                         broker.rack ? *broker.rack : "-",
                         broker.id == view.controller ? "controller" : ""});
    }
    output::print("Cluster id: " + view.cluster_id +
                  "\nController: " + std::to_string(view.controller) + "\n\n" + brokers.render());
}

}  // namespace

void add_cluster_command(CLI::App& app, cli_context& context) {
    CLI::App* cluster =
        app.add_subcommand("cluster", "Show the cluster: its id, controller and brokers.");
    cluster->require_subcommand(1);
    cluster->footer(
        "Examples:\n"
        "  samsa cluster info\n"
        "  samsa cluster info --format json");
    CLI::App* info = cluster->add_subcommand(
        "info", "Show the cluster id, the controller and every broker (host:port, rack).");
    info->footer(
        "Examples:\n"
        "  samsa cluster info\n"
        "  samsa cluster info -b broker1:9092 --format json");
    info->callback([&context] { run_info(context); });
}

}  // namespace samsa::cli
