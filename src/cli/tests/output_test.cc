#include "cli/output.h"

#include <gtest/gtest.h>

namespace samsa::cli::output {
namespace {

TEST(OutputTable, AlignsColumnsAndTrimsTrailingSpace) {
    table topics({"TOPIC", "PARTITIONS"});
    topics.add_row({"orders", "6"});
    topics.add_row({"a", "12"});
    EXPECT_EQ(topics.render(),
              "TOPIC   PARTITIONS\n"
              "orders  6\n"
              "a       12\n");
}

TEST(OutputTable, PadsShortRowsWithEmptyCells) {
    table groups({"GROUP", "STATE", "MEMBERS"});
    groups.add_row({"billing"});
    EXPECT_EQ(groups.render(),
              "GROUP    STATE  MEMBERS\n"
              "billing\n");
}

}  // namespace
}  // namespace samsa::cli::output
