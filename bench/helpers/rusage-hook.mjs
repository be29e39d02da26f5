// Preloaded into a benchmarked child process: prints its CPU time and peak memory on exit.
process.on('exit', () => {
  const u = process.resourceUsage();
  process.stderr.write(`\n@@rusage ${JSON.stringify({ userMs: u.userCPUTime / 1000, systemMs: u.systemCPUTime / 1000, maxRssKiB: u.maxRSS })}\n`);
});
