// Preloaded into a benchmarked child process: prints its CPU time (all threads, and the main
// thread alone where /proc tells it: the rest is V8's background compilation and GC) and peak memory on exit.
import { readFileSync } from 'node:fs';

process.on('exit', () => {
  const u = process.resourceUsage();
  let mainThreadMs;
  try {
    const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    mainThreadMs = (Number(f[11]) + Number(f[12])) * 10; // utime + stime in clock ticks of 10 ms
  } catch {
    mainThreadMs = undefined;
  }
  process.stderr.write(`\n@@rusage ${JSON.stringify({ userMs: u.userCPUTime / 1000, systemMs: u.systemCPUTime / 1000, maxRssKiB: u.maxRSS, mainThreadMs })}\n`);
});
