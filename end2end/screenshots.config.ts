import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// The screenshots' own configuration (scripts/screenshots.sh): same browser and server fixtures.
export default defineConfig({ ...base, testDir: "./screenshots", reporter: [["list"]] });
