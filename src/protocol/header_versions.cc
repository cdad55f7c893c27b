#include "protocol/header_versions.h"

namespace samsa::protocol {

int16_t request_header_version(const api_descriptor& api, int16_t api_version) {
    if (api.is_flexible(api_version)) {
        return 2;
    }
    if (api.key == controlled_shutdown_key && api_version == 0) {
        return 0;
    }
    return 1;
}

int16_t response_header_version(const api_descriptor& api, int16_t api_version) {
    if (api.key == api_versions_key) {
        return 0;
    }
    return api.is_flexible(api_version) ? 1 : 0;
}

}  // namespace samsa::protocol
