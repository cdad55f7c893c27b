#pragma once

// Ctrl-C and SIGTERM end a run early but cleanly: producers stop sending and wait for what
// they sent, consumers stop reading, and the report covers what was measured until then. A
// second signal while stopping falls back to the default action (the process ends).

namespace samsa::load {

void install_stop_handlers();
bool stop_requested();

}  // namespace samsa::load
