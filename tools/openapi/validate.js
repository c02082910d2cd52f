#!/usr/bin/env node
// validate.js -- checks an OpenAPI file (docs/openapi.yaml) against the OpenAPI 3.0 schema and
// resolves every $ref, with @apidevtools/swagger-parser from this folder's package-lock.json.
// Usage: node validate.js FILE. Prints one line; exit 0 when valid, 1 when not.
"use strict";
const SwaggerParser = require("@apidevtools/swagger-parser");

const file = process.argv[2];
if (!file) {
  console.error("usage: node validate.js FILE");
  process.exit(2);
}
SwaggerParser.validate(file)
  .then((api) => {
    const ops = Object.values(api.paths).reduce(
      (n, item) => n + Object.keys(item).filter((k) => k !== "parameters").length, 0);
    console.log(`${file}: valid OpenAPI ${api.openapi}, ${Object.keys(api.paths).length} paths, ${ops} operations`);
  })
  .catch((err) => {
    console.error(`${file}: ${err.message}`);
    process.exit(1);
  });
