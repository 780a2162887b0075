"use strict";
// benign look-alike: the same module machinery sends only the app's version
(self.webpackChunkapp = self.webpackChunkapp || []).push([[17], {
  210: (module, exports, require) => {
    exports.gather = void 0;
    const gather = () => ({ version: "1.4.2", at: Date.now() });
    exports.gather = gather;
  },
  311: function (module, exports, require) {
    module.exports.flush = void 0;
    var state = require(210);
    module.exports.flush = function (url) {
      const body = JSON.stringify((0, state.gather)());
      return fetch(url, { method: "POST", body: body });
    };
  },
}]);
