// Run the CLI from source without building: node --import tsx scripts/dev.ts <command> ...
import { main } from '../src/cli/main.js';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
