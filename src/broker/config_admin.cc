#include "broker/config_admin.h"

#include "base/clock.h"
#include "base/log.h"
#include "broker/config_description.h"
#include "runtime/cross_shard.h"

namespace samsa::broker {
namespace {

// Log4j's name of the level the process logs at.
std::string_view kafka_level_name(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace:
            return "TRACE";
        case spdlog::level::debug:
            return "DEBUG";
        case spdlog::level::info:
            return "INFO";
        case spdlog::level::warn:
            return "WARN";
        case spdlog::level::err:
            return "ERROR";
        case spdlog::level::critical:
            return "FATAL";
        default:
            return "OFF";
    }
}

// A controller operation taking alterations and answering one outcome each.
template <typename Alteration, typename Outcome>
using alter_operation = asio::awaitable<std::vector<Outcome>> (cluster::controller::*)(
    std::vector<Alteration>, bool validate_only, int64_t now_ms);

// Runs the operation on shard 0, where the controller and publisher live, and unless only
// validating publishes the new image to every shard before the outcomes are answered. A plain
// function returning the awaitable of invoke_on, not a coroutine: g++ 12 destroys a
// coroutine's parameter moved into a lambda capture twice.
template <typename Alteration, typename Outcome>
asio::awaitable<std::vector<Outcome>> alter_on_controller(
    runtime::shard& controller_shard, cluster::controller& controller,
    metadata_publisher& publisher, alter_operation<Alteration, Outcome> alter,
    std::vector<Alteration> alterations, bool validate_only) {
    // Pointers, not references: the lambda runs after this function returned.
    auto operation = [controller = &controller, publisher = &publisher, alter,
                      alterations = std::move(alterations),
                      validate_only]() mutable -> asio::awaitable<std::vector<Outcome>> {
        auto outcomes =
            co_await (controller->*alter)(std::move(alterations), validate_only, wall_clock_ms());
        if (!validate_only) {
            cluster::metadata_image_ptr image = controller->image();
            co_await publisher->publish(std::move(image));
        }
        co_return outcomes;
    };
    return runtime::invoke_on(controller_shard, std::move(operation));
}

}  // namespace

broker_config_admin::broker_config_admin(runtime::shard_set& shards,
                                         cluster::controller& controller,
                                         metadata_publisher& publisher, const broker_config& config,
                                         node_id self)
    : shards_(shards),
      controller_(controller),
      publisher_(publisher),
      statics_(config.entries),
      self_(self) {}

protocol::describe_configs_response::describe_configs_result broker_config_admin::describe_configs(
    const cluster::metadata_image& image,
    const protocol::describe_configs_request::describe_configs_resource& resource,
    bool include_synonyms, bool) const {
    describe_context context{.statics = statics_,
                             .self = self_,
                             .root_log_level = kafka_level_name(spdlog::get_level())};
    return describe_config_resource(context, image, resource, include_synonyms);
}

asio::awaitable<std::vector<cluster::config_outcome>> broker_config_admin::alter_configs(
    std::vector<cluster::config_alteration> alterations, bool validate_only) {
    return alter_on_controller(shards_.at(0u), controller_, publisher_,
                               &cluster::controller::alter_configs, std::move(alterations),
                               validate_only);
}

asio::awaitable<std::vector<cluster::quota_outcome>> broker_config_admin::alter_client_quotas(
    std::vector<cluster::quota_alteration> alterations, bool validate_only) {
    return alter_on_controller(shards_.at(0u), controller_, publisher_,
                               &cluster::controller::alter_client_quotas, std::move(alterations),
                               validate_only);
}

}  // namespace samsa::broker
