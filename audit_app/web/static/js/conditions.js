// Show-if conditions on return forms and previews (progressive enhancement: without JavaScript every question
// shows, with its condition as a hint). Each conditional question's wrapper carries
//   data-show-if='{"question": "SD_01", "op": "equals" | "one_of" | "answered", "values": ["no"]}'
// and the question it depends on is an earlier field named by its code. A hidden question counts as unanswered,
// so questions that depend on it hide too. Conditions always name earlier questions, so one pass in document
// order settles them all.

const wrappers = Array.from(document.querySelectorAll("[data-show-if]"));

function isHidden(element) {
  return element.closest("[data-show-if][hidden]") !== null;
}

function answersOf(code) {
  const values = [];
  for (const input of document.getElementsByName(code)) {
    if (isHidden(input)) {
      return [];
    }
    if (input.type === "radio" || input.type === "checkbox") {
      if (input.checked) {
        values.push(input.value);
      }
    } else if (input.value.trim() !== "") {
      values.push(input.value.trim());
    }
  }
  return values;
}

function holds(condition) {
  const answers = answersOf(condition.question);
  if (condition.op === "answered") {
    return answers.length > 0;
  }
  const wanted = condition.values || [];
  return answers.some((answer) => wanted.includes(answer));
}

function update() {
  for (const wrapper of wrappers) {
    let condition;
    try {
      condition = JSON.parse(wrapper.dataset.showIf);
    } catch {
      continue; // a malformed condition leaves the question showing, as without JavaScript
    }
    wrapper.hidden = !holds(condition);
  }
}

if (wrappers.length > 0) {
  document.addEventListener("change", update);
  document.addEventListener("input", update);
  update();
}
