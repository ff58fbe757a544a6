# The command-line side of docs/training.md "What is guaranteed": a write that fails is one line
# naming the file and nothing half-written stays; a damaged checkpoint is refused by eval and
# resume; an edited config.yaml is reported on resume; seeds out of range and special files are
# refused before anything runs.
include(${CMAKE_CURRENT_LIST_DIR}/support/checks.cmake)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

run_ok(collected ${GRL} collect --env hopper --policy random --episodes 20 --seed 1 --out ${WORK}/hopper-random.hdf5)
set(bc ${GRL} train --preset ${SOURCE_DIR}/presets/bc/cpu.yaml --dataset ${WORK}/hopper-random.hdf5 --runs-dir ${WORK}/runs
    bc.steps=40 bc.batch_size=32 evaluation.episodes=1 evaluation.max_episode_steps=20 trainer.checkpoint_every=20)

# A file-size limit fails the first checkpoint's write as a full disk would (the checkpoint of the
# 256-256 actor is about 870 kB; config.yaml and metrics.jsonl stay far below 100 kB).
execute_process(COMMAND bash -c "ulimit -f 100 && exec \"$0\" \"$@\"" ${bc} --name limited
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(rc EQUAL 0)
  message(FATAL_ERROR "training under a 100 kB file-size limit succeeded:\n${out}\n${err}")
endif()
expect_in("${err}" "grl: error: ${WORK}/runs/limited/checkpoints/latest.pt: cannot write: File too large")
expect_not_in("${err}" "frame #")
file(GLOB leftovers ${WORK}/runs/limited/checkpoints/*)
if(leftovers)
  message(FATAL_ERROR "a failed checkpoint write left files behind: ${leftovers}")
endif()

# A run, then one flipped byte in its checkpoint: eval and resume refuse it, naming the file.
run_ok(trained ${bc} --name good)
set(latest ${WORK}/runs/good/checkpoints/latest.pt)
file(SIZE ${latest} size)
math(EXPR middle "${size} / 2")
file(COPY_FILE ${latest} ${WORK}/damaged.pt)
execute_process(COMMAND bash -c "printf '\\x5a' | dd of=${WORK}/damaged.pt bs=1 seek=${middle} conv=notrunc status=none"
                RESULT_VARIABLE rc)
expect_error("${WORK}/damaged.pt: damaged: SHA-256 of its data is " ${GRL} eval --checkpoint ${WORK}/damaged.pt --episodes 1)
file(COPY_FILE ${latest} ${WORK}/intact.pt)
file(COPY_FILE ${WORK}/damaged.pt ${latest})
expect_error("${latest}: damaged: " ${GRL} resume ${WORK}/runs/good)
file(COPY_FILE ${WORK}/intact.pt ${latest})

# An edited config.yaml does not change a resumed run, and resume says so.
file(APPEND ${WORK}/runs/good/config.yaml "# edited\n")
run_checked(out err ${GRL} resume ${WORK}/runs/good)
expect_in("${err}" "note: ${WORK}/runs/good/config.yaml differs from the config stored in the checkpoint")

# Seeds out of range are refused, not saturated; devices are refused, not read forever.
expect_error("--seed: expected a seed, a whole number from 0 to 9223372036854775807, got '-1'" ${bc} --seed -1)
expect_error("got '18446744073709551616'" ${bc} --seed 18446744073709551616)
execute_process(COMMAND ${GRL} dataset info /dev/zero ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 60)
expect_in("${err}" "/dev/zero: expected a dataset file (HDF5) or a Minari dataset folder, found a character device")
expect_error("/dev/zero: expected a config file (YAML), found a character device" ${GRL} train --preset /dev/zero)

# A malformed first row of a replay's actions is an error naming it, not a header to skip.
file(WRITE ${WORK}/actions.csv "0.1,0.2,0.3e\n0,0,0\n")
expect_error("${WORK}/actions.csv:1" ${GRL} env replay --env hopper --actions ${WORK}/actions.csv --out ${WORK}/replay.csv)
file(WRITE ${WORK}/named.csv "a0,a1,a2\n0,0,0\n")
run_ok(replayed ${GRL} env replay --env hopper --actions ${WORK}/named.csv --out ${WORK}/replay.csv)
