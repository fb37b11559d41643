# The Windows cases under Wine (issue 11), included at the end of
# tools/CMakeLists.txt: win32.<kind> runs wintest/hl-wintest.exe and
# hlprobe.exe through tools/wine-cases on a volume of that kind, a second
# ext4 and the kind's read-only twin (drive letters in a fresh Wine prefix);
# the TAP, the probe and the contract's key refusals are in its output and in
# <build>/wine-cases/. wine.killed, wine.failing and wine.sigint: nothing is
# left after a run killed with -9 (once the next has run), a failing run and
# Ctrl-C.
# The Windows tree is $HL_BUILD_DIR-win, default build-win/ in the source
# tree, whatever the host build (tools/wine-cases builds it when needed).
set(HL_WINE_TEST ${CMAKE_CURRENT_SOURCE_DIR}/tests/wine-test.sh)
set(HL_WINE_TESTS)
foreach(kind fat ntfs ext4)
  add_test(NAME win32.${kind} COMMAND bash ${HL_WINE_TEST} cases ${kind} ${CMAKE_BINARY_DIR}/wine-cases)
  list(APPEND HL_WINE_TESTS win32.${kind})
endforeach()
foreach(mode killed failing sigint)
  add_test(NAME wine.${mode} COMMAND bash ${HL_WINE_TEST} ${mode})
  list(APPEND HL_WINE_TESTS wine.${mode})
endforeach()
# Each test has its own state directories and may overlap another; a
# wineboot is CPU-bound for seconds, so two at most (ctest -j decides).
# volume.no-leaks (the cleanup of hl_volumes) looks for what they left, after them.
set_tests_properties(${HL_WINE_TESTS} PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 900 FIXTURES_REQUIRED hl_volumes)
add_test(NAME lint.shellcheck.wine
  COMMAND shellcheck -x ${CMAKE_CURRENT_SOURCE_DIR}/wine-run ${CMAKE_CURRENT_SOURCE_DIR}/wine-cases ${HL_WINE_TEST})
