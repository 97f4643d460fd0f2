// A TypeDoc plugin (typedoc.json "plugin") that sorts the API reference of
// @provisionkit/testing by purpose: the simulators, clocks, the suites and their backends
// first, then everything else (fault rules, options, records) under one heading. Without it
// the module is one alphabetical list of about 150 entries, with runConformance and the
// backends below dozens of fault types. The categories are given here rather than as
// `@category` tags in the sources, so that the grouping of the site is one reviewable list.
import { Comment, CommentTag, Converter, ReflectionKind } from "typedoc";

/** Category → exported names of @provisionkit/testing (its root entry point). */
export const TESTING_CATEGORIES = {
  Simulators: [
    "KubernetesApiSimulator",
    "AapSimulator",
    "EdaSimulator",
    "AapPlaybookRunner",
    "KubernetesApiSimulatorOptions",
    "AapSimulatorOptions",
    "EdaSimulatorOptions",
    "AapTemplateDefinition",
    "AapJobScript",
    "EdaRule",
    "CrdDefinition",
  ],
  Clocks: ["Clock", "VirtualClock", "ScaledClock", "ScaledClockOptions", "systemClock"],
  "Conformance suites": [
    "runConformance",
    "runOperatorConformance",
    "ConformanceOptions",
    "OperatorConformanceOptions",
    "OperatorSoakOptions",
    "ConformanceReport",
    "formatReport",
    "formatScenarioFailure",
    "formatSoakFigures",
    "formatTimeline",
    "providerScenarios",
    "detectCapabilities",
    "RULE_IDS",
    "RuleId",
    "FAST_ENGINE",
    "operatorEngine",
    "driveEngine",
  ],
  "Conformance backends": [
    "ConformanceBackend",
    "BackendControls",
    "memoryBackend",
    "aapSimulatorBackend",
    "edaSimulatorBackend",
    "MemoryBackendOptions",
    "AapSimulatorBackendOptions",
    "EdaSimulatorBackendOptions",
    "AapBackendEndpoint",
    "EdaBackendEndpoint",
    "MemoryProvider",
  ],
  "HTTP test kit": [
    "ScriptedHttpServer",
    "ScriptedHttpServerOptions",
    "createTestPki",
    "TestPki",
    "json",
    "text",
    "empty",
    "reset",
    "hang",
    "respond",
    "Reply",
    "captureLogger",
    "errorText",
  ],
  "Secret canaries": ["secretForms", "secretNeedles", "findSecretLeaks", "errorSurfaces"],
};

/** The order of the categories on the page; the rest ("*") last. */
export const CATEGORY_ORDER = [...Object.keys(TESTING_CATEGORIES), "*"];

/** @param {import("typedoc").Application} app */
export function load(app) {
  const categoryOf = new Map();
  for (const [category, names] of Object.entries(TESTING_CATEGORIES)) {
    for (const name of names) categoryOf.set(name, category);
  }
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const project = context.project;
    if (project.packageName !== "@provisionkit/testing" && project.name !== "@provisionkit/testing")
      return;
    for (const reflection of project.getReflectionsByKind(ReflectionKind.SomeExport)) {
      const category = categoryOf.get(reflection.name);
      const parent = reflection.parent;
      // Exports of the package's modules only (not members of classes or interfaces).
      if (!category || !parent || !(parent.kindOf(ReflectionKind.SomeModule) || parent === project))
        continue;
      const signature = reflection.isDeclaration()
        ? reflection.getNonIndexSignatures()[0]
        : undefined;
      const holder = reflection.comment ? reflection : (signature ?? reflection);
      holder.comment ??= new Comment();
      holder.comment.blockTags.push(
        new CommentTag("@category", [{ kind: "text", text: category }]),
      );
    }
  });
}
