/**
 * The replay suite's workloads: realistic programs from Debian packages (and our own static test
 * programs) in localhost/seccomp-gen/debian:test (test/images/build-debian.sh). Each prints
 * something that shows it really did its work, so "same output" means the work happened.
 */
export const DEBIAN_IMAGE = 'localhost/seccomp-gen/debian:test';

export interface Workload {
  name: string;
  cmd: string[];
  podmanArgs?: string[];
}

const sh = (script: string) => ['sh', '-c', script];

export const WORKLOADS: Workload[] = [
  {
    name: 'busybox tools',
    cmd: ['busybox', 'sh', '-c', [
      'mkdir -p /tmp/d/e && echo hello > /tmp/d/e/f && cp /tmp/d/e/f /tmp/d/g',
      'ls -l /tmp/d | wc -l && find /tmp/d | sort',
      'tar -C /tmp -cf /tmp/a.tar d && tar -tf /tmp/a.tar | sort',
      'echo "b a c" | tr " " "\\n" | sort | md5sum',
      'sed -n 1p /etc/passwd | cut -d: -f1 && date -u -d @0 +%Y',
    ].join('; ')],
  },
  { name: 'threads (C, glibc)', cmd: ['threads'] },
  {
    name: 'threads (python3)',
    cmd: ['python3', '-c', [
      'from concurrent.futures import ThreadPoolExecutor',
      'import hashlib',
      'work = lambda n: hashlib.sha256(str(n).encode() * 10000).hexdigest()[:8]',
      'print(list(ThreadPoolExecutor(4).map(work, range(8))))',
    ].join('\n')],
  },
  {
    name: 'web server (nginx + curl)',
    // `nginx -s quit` only signals the master (and logs a timestamped notice): wait until it has
    // really gone (its pid file removed), so every run does the same shutdown work. Each wait
    // loop sleeps once unconditionally: a loop whose body may or may not run makes a workload
    // whose syscalls differ from run to run (sleep's clock_nanosleep was seen at replay only).
    cmd: sh([
      'nginx -g "error_log stderr crit;"',
      'curl -s -w " %{http_code}\\n" http://127.0.0.1/ | tail -c 24',
      'curl -s -o /dev/null -w "%{http_code}\\n" http://127.0.0.1/missing',
      'nginx -s quit 2>/dev/null',
      'sleep 0.05; while [ -e /run/nginx.pid ]; do sleep 0.05; done',
    ].join('; ')),
  },
  {
    name: 'key-value server (redis)',
    cmd: sh([
      'redis-server --daemonize yes --save "" --appendonly no --logfile /tmp/redis.log',
      'sleep 0.05; until redis-cli ping >/dev/null 2>&1; do sleep 0.05; done',
      'redis-cli set greeting hello && redis-cli rpush list a b c && redis-cli incrby counter 41 && redis-cli incr counter',
      'redis-cli get greeting && redis-cli lrange list 0 -1 && redis-cli dbsize',
      'redis-cli shutdown nosave',
    ].join('; ')),
  },
  { name: 'i386 program', cmd: ['io32'] },
];
