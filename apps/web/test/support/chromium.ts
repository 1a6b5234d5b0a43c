// The browser launcher is shared with the stack tests: see @scaleout/testing.
export { CHROMIUM_FLAGS, launchChromium } from '@scaleout/testing';
