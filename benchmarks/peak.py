"""`python -S benchmarks/peak.py RESULT ARGV...`: run ARGV and write its own CPU time and peak
memory (wait4) to the file RESULT as JSON.

Why a separate small process: Linux carries the peak resident memory of the process that forks
over into the child's (the memory the child shared at fork time counts, and exec keeps the
high-water mark), so a benchmark that holds 800 MB of data reported 800 MB for every command it
ran. Started fresh, this launcher is ~10 MB, and so is the most it can add."""

import json
import os
import subprocess
import sys

result, argv = sys.argv[1], sys.argv[2:]
proc = subprocess.Popen(argv)
_, status, usage = os.wait4(proc.pid, 0)
with open(result, "w", encoding="utf-8") as out:
    json.dump({"returncode": os.waitstatus_to_exitcode(status),
               "peak_mb": usage.ru_maxrss / 1024,
               "cpu": usage.ru_utime + usage.ru_stime}, out)
