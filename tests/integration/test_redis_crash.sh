#!/usr/bin/env bash
# The short version of tests/crash/redis_kill.sh for make test: case-B
# callers while redis-server (appendfsync always) is killed -9 twice and
# restarted on its AOF; no promised SMS lost, no second secret (the callers
# done dial again and must get "already sent"). The long runs and the
# everysec figure: make crash-redis.
set -u
exec bash "$(dirname "$0")/../crash/redis_kill.sh" "${B:-build}" always 60 2
