# The two helpers every layer uses.
#
# samsa_library(NAME SOURCES ... [DEPENDS layer ...] [LIBRARIES lib ...])
#   One static library per src/<layer>/, linked as samsa_<NAME>. Dependencies are PRIVATE
#   except for the layers the public headers need (DEPENDS), so a lower layer cannot reach
#   a higher one: its include path simply does not contain it.
#
# samsa_test(NAME SOURCES ... DEPENDS target ...)
#   A GoogleTest executable registered with CTest (every TEST becomes a ctest case).

include(GoogleTest)

function(samsa_library name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS;LIBRARIES" ${ARGN})
    add_library(samsa_${name} STATIC ${ARG_SOURCES})
    target_include_directories(samsa_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    foreach(dependency IN LISTS ARG_DEPENDS)
        target_link_libraries(samsa_${name} PUBLIC samsa_${dependency})
    endforeach()
    target_link_libraries(samsa_${name} PRIVATE ${ARG_LIBRARIES})
endfunction()

function(samsa_test name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS" ${ARGN})
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE ${ARG_DEPENDS} GTest::gtest GTest::gtest_main GTest::gmock)
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
endfunction()
