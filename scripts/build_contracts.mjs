// Compile the devnet contracts with solc-js and write one JSON artifact per contract.
//
// Usage:  SOLC_PATH=/tmp/solc/node_modules/solc node scripts/build_contracts.mjs
//    or:  NODE_PATH=/tmp/solc/node_modules node scripts/build_contracts.mjs
// (scripts/build_contracts.sh does the npm install and sets SOLC_PATH for you.)
//
// Output: aleph_tui/devnet/contracts/<Name>.json with
//   {"contractName", "abi", "bytecode", "compiler", "settings"}

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const EXPECTED_VERSION = "0.8.37";
const SOURCES = ["TestToken.sol", "AlephPaymentProcessor.sol"];
const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: "paris",
};

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const contractsDir = path.join(repoRoot, "aleph_tui", "devnet", "contracts");

function loadSolc() {
  // ESM imports ignore NODE_PATH, so resolve through a CommonJS require, which honours it.
  const require = createRequire(import.meta.url);
  const spec = process.env.SOLC_PATH ? path.resolve(process.env.SOLC_PATH) : "solc";
  try {
    return require(spec);
  } catch (err) {
    console.error(`cannot load solc from ${JSON.stringify(spec)}: set SOLC_PATH or NODE_PATH`);
    throw err;
  }
}

const solc = loadSolc();
const version = solc.version(); // e.g. "0.8.37+commit.xxxxxxxx.Emscripten.clang"
if (!version.startsWith(`${EXPECTED_VERSION}+`)) {
  throw new Error(`expected solc ${EXPECTED_VERSION}, got ${version}`);
}

const input = {
  language: "Solidity",
  sources: Object.fromEntries(
    SOURCES.map((file) => [file, { content: fs.readFileSync(path.join(contractsDir, file), "utf8") }]),
  ),
  settings: {
    ...SETTINGS,
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};

const output = JSON.parse(solc.compile(JSON.stringify(input)));
const problems = output.errors ?? [];
for (const p of problems) console.error(p.formattedMessage ?? p.message);
if (problems.some((p) => p.severity === "error")) process.exit(1);

for (const file of SOURCES) {
  for (const [name, contract] of Object.entries(output.contracts[file] ?? {})) {
    if (name === "IERC20Minimal") continue; // interface, nothing to deploy
    const artifact = {
      contractName: name,
      abi: contract.abi,
      bytecode: `0x${contract.evm.bytecode.object}`,
      compiler: `solc-js ${EXPECTED_VERSION}`,
      settings: SETTINGS,
    };
    const out = path.join(contractsDir, `${name}.json`);
    fs.writeFileSync(out, `${JSON.stringify(artifact, null, 2)}\n`);
    console.log(`wrote ${path.relative(repoRoot, out)} (${(contract.evm.bytecode.object.length / 2) | 0} bytes of init code)`);
  }
}
