export * from "./model_hotload.js";

/** Node needs no initialisation: the module is ready on import. Provided so `await init()` is portable. */
export default function init(): Promise<void>;
/** Node needs no initialisation: the module is ready on import. */
export function initSync(): void;
