import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// The measuring program's own configuration: same browser, its own folder (scripts/measure-weight.sh).
export default defineConfig({ ...base, testDir: "./weight", reporter: [["list"]] });
