/* Runs after Material's configuration (#__config) and before its bundle reads it: points
   Material's search box at the reading list's worker, and names results as they are (the
   worker returns the best 20 papers, not every match). A file, not an inline script, so
   the bytes are cached once rather than repeated in every page. */
(function (element) {
  var config = JSON.parse(element.textContent);
  config.search = new URL("search-worker.js", document.currentScript.src).href;
  config.translations["search.result.other"] = "# best matches";
  config.translations["search.result.one"] = "1 match";
  config.translations["search.result.none"] = "No matching papers or pages";
  element.textContent = JSON.stringify(config);
})(document.getElementById("__config"));
