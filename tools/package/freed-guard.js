
// model-hotload: a call on a freed Server fails with a clear Error. (Appended by
// tools/build.mjs; wasm-bindgen's own message would be "null pointer passed to rust".)
for (const name of ["handleRequest", "advance", "now", "subscribe", "setTimeScale"]) {
    const method = Server.prototype[name];
    Server.prototype[name] = function (...args) {
        if (!this.__wbg_ptr) {
            throw new Error(`model-hotload: Server.${name}() was called after free(); create a new Server`);
        }
        return method.apply(this, args);
    };
}
{
    const { get } = Object.getOwnPropertyDescriptor(Server.prototype, "fetch");
    Object.defineProperty(Server.prototype, "fetch", {
        configurable: true,
        enumerable: false,
        get() {
            if (!this.__wbg_ptr) {
                throw new Error("model-hotload: Server.fetch was read after free(); create a new Server");
            }
            return get.call(this);
        },
    });
}
