import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { topFrames, type CpuProfile } from "./cpu-profile.js";

// Three busy phases, each spinning in its own function (self time); the middle one's span is printed on the clock process.hrtime reads.
const SCRIPT = `
function beforeWindow() { const end = Date.now() + 400; let x = 0; while (Date.now() < end) x += Math.sqrt(x + 1); return x; }
function inWindow() { const end = Date.now() + 400; let x = 0; while (Date.now() < end) x += Math.sqrt(x + 1); return x; }
function afterWindow() { const end = Date.now() + 400; let x = 0; while (Date.now() < end) x += Math.sqrt(x + 1); return x; }
const us = () => Number(process.hrtime.bigint() / 1000n);
beforeWindow();
const from = us();
inWindow();
const to = us();
afterWindow();
console.log(JSON.stringify({ from, to }));
`;

describe("cpu-profile", () => {
  const dir = mkdtempSync(join(tmpdir(), "dnc-cpu-profile-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("counts only the samples another process took inside a window of process.hrtime's clock", () => {
    const run = spawnSync(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${dir}`, "-e", SCRIPT], { encoding: "utf8" });
    expect(run.status).toBe(0);
    const { from, to } = JSON.parse(run.stdout) as { from: number; to: number };
    const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"))!;
    const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
    const samplesOf = (frames: { name: string; samples: number }[], name: string) => frames.find((f) => f.name === name)?.samples ?? 0;

    // On a loaded machine the child is descheduled at times, and the profiler then records other frames: the
    // three functions are compared with each other, not with every sample.
    const inside = topFrames(profile, { fromUs: from, toUs: to });
    const outsiders = samplesOf(inside.frames, "beforeWindow") + samplesOf(inside.frames, "afterWindow");
    expect(samplesOf(inside.frames, "inWindow")).toBeGreaterThan(10);
    expect(outsiders).toBeLessThan(0.1 * samplesOf(inside.frames, "inWindow"));

    const whole = topFrames(profile, { fromUs: 0, toUs: Number.MAX_SAFE_INTEGER });
    expect(samplesOf(whole.frames, "beforeWindow")).toBeGreaterThan(10);
    expect(samplesOf(whole.frames, "afterWindow")).toBeGreaterThan(10);
  });

  it("names the native probe's frames as dnc's own code, not as the builtin V8 names them after", () => {
    // The shape an inspector profile of the engine gave: the C's samples on a url-less child of RecipientProbe.run.
    const run = new URL("../sidecar/native/recipient-probe.js", import.meta.url).href;
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: { functionName: "(root)", url: "", lineNumber: -1 }, children: [2, 4] },
        { id: 2, callFrame: { functionName: "run", url: run, lineNumber: 40 }, children: [3] },
        { id: 3, callFrame: { functionName: "resumeWriting", url: "", lineNumber: -1 } },
        { id: 4, callFrame: { functionName: "resumeWriting", url: "", lineNumber: -1 } },
      ],
      startTime: 0,
      samples: [3, 3, 3, 2, 4],
      timeDeltas: [1, 1, 1, 1, 1],
    };
    const { frames, areas } = topFrames(profile, { fromUs: 0, toUs: 10 });
    expect(frames.map((f) => [f.name, f.where, f.area, f.samples])).toEqual([
      ["probe (native)", "sidecar/native/recipient-probe.c", "dnc", 3],
      ["run", expect.stringMatching(/sidecar\/native\/recipient-probe\.js:41$/), "dnc", 1],
      ["resumeWriting", "", "V8 and native", 1],
    ]);
    expect(areas.get("dnc")).toBe(4);
  });
});
