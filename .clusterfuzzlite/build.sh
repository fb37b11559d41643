#!/bin/bash -eu
# ClusterFuzzLite's entry point (copied to $SRC/build.sh by the Dockerfile):
# the real build is fuzz/build.sh, which builds through the project's CMake
# build with $CC $CFLAGS $CXX $CXXFLAGS $LIB_FUZZING_ENGINE and writes the
# targets, seed corpora, dictionaries and options to $OUT. The checkout is $SRC/hardlink-harness (see Dockerfile).
bash "$SRC/hardlink-harness/fuzz/build.sh"
