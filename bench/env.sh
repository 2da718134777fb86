# Source me: the benchmark environment (production settings: DEBUG off; loopback only).
# Usage: . bench/env.sh 10k   (10k|100k|1m: picks the database hd_bench_<size>)
export SIZE="${1:-${SIZE:-10k}}"
export DATABASE_URL="${DATABASE_URL_OVERRIDE:-postgres://postgres@127.0.0.1:5432/hd_bench_${SIZE}}"
export SECRET_KEY="${SECRET_KEY:-bench-only-secret-key-not-for-production-0123456789abcdef}"
export DEBUG=false
export ALLOWED_HOSTS="127.0.0.1,localhost,testserver"
export SECURE_SSL_REDIRECT=false
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/7}"
export CELERY_TASK_ALWAYS_EAGER=false
export LOG_LEVEL=WARNING
