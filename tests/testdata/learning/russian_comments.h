// tests/testdata/learning/russian_comments.h
//
// Generated Russian comments for the learning-loop tests: spam (casino,
// betting, "earn from home", credit and loans, cheap followers, crypto) with
// links, phone numbers and Telegram handles, and ordinary news-site comments.
// Two spam families: TrainSpam() (what the site labels) and TestSpam() (other
// sentence templates on the same themes, for the held-out test set). Ham
// mixes generated sentences with hand-written lines of ru_ham.txt (lines
// 1-40 for training, 41-60 for testing). Deterministic for a seed (no
// std::*_distribution: their algorithms differ between libraries).
#ifndef MODERATED_TESTS_TESTDATA_LEARNING_RUSSIAN_COMMENTS_H_
#define MODERATED_TESTS_TESTDATA_LEARNING_RUSSIAN_COMMENTS_H_

#include <cstdint>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace moderated::testing {

class RussianComments {
 public:
  explicit RussianComments(uint32_t seed, const std::string& ham_fixture)
      : rng_(seed) {
    std::ifstream in(ham_fixture);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) fixture_.push_back(line);
    }
  }

  size_t fixture_size() const { return fixture_.size(); }

  std::string TrainSpam() {
    static const std::vector<std::string> kGreet = {"",          "Привет всем! ", "Внимание! ",
                                                    "Друзья, ",  "Только сегодня! ",
                                                    "Ребята, ", "Срочно! "};
    std::string offer;
    switch (Pick(8)) {
      case 0:
        offer = "Онлайн казино " + Brand() + " дарит " + Num(100, 500) + "% бонус на первый депозит и " +
                Num(50, 300) + " фриспинов";
        break;
      case 1:
        offer = "Ставки на спорт с коэффициентом до " + Num(2, 9) + "." + Num(1, 9) +
                ", выигрыш гарантирован";
        break;
      case 2:
        offer = "Заработок в интернете от " + Num(3, 30) + " 000 рублей в день без вложений и опыта";
        break;
      case 3:
        offer = "Кредит наличными без справок и поручителей, одобрение за " + Num(5, 30) + " минут";
        break;
      case 4:
        offer = "Быстрый займ на карту под 0% для всех, даже с плохой кредитной историей";
        break;
      case 5:
        offer = "Дешёвые подписчики и лайки для вашей группы, раскрутка под ключ";
        break;
      case 6:
        offer = "Лучшие слоты и рулетка в казино " + Brand() + ", вывод денег моментально";
        break;
      default:
        offer = "Пассивный доход на криптовалюте, удвоим ваш вклад за " + Num(3, 14) + " дней";
    }
    return kGreet[Pick(kGreet.size())] + offer + ". " + Call() + Tail();
  }

  std::string TestSpam() {
    std::string s;
    switch (Pick(8)) {
      case 0:
        s = "Хочешь выиграть? Казино " + Brand() + " платит каждому, бонус " + Num(1, 9) +
            " 000 рублей при регистрации";
        break;
      case 1:
        s = "Прогнозы на футбол и ставки, проходимость " + Num(80, 99) + "%, доступ в канале " +
            Handle();
        break;
      case 2:
        s = "Работа на дому, доход " + Num(20, 90) + " 000 в неделю, нужен только телефон";
        break;
      case 3:
        s = "Одобрим кредит любому, без отказа и предоплаты, звоните " + Phone();
        break;
      case 4:
        s = "Деньги в долг срочно, займ онлайн за " + Num(5, 15) + " минут " + Url();
        break;
      case 5:
        s = "Накрутка просмотров и подписчиков дёшево " + Url();
        break;
      case 6:
        s = "Бесплатные вращения в игровых автоматах, заходи " + Url();
        break;
      default:
        s = "Инвестиции с доходностью " + Num(20, 60) + "% в месяц, пиши " + Handle();
    }
    return s + Tail();
  }

  // Ordinary comments; `test` draws fixture lines 41-60 instead of 1-40.
  std::string Ham(bool test) {
    static const std::vector<std::string> kOpen = {
        "",          "Спасибо за статью. ", "Интересно, ",   "Согласен с автором: ",
        "Не могу согласиться. ", "Хорошая новость! ", "Странное решение. ", "Наконец-то! ",
        "Жаль, что так вышло. ", "А я думаю, "};
    static const std::vector<std::string> kTopic = {
        "ремонт дороги на улице Ленина",  "новый парк в центре города",
        "повышение цен на продукты",      "решение городской думы",
        "матч нашей сборной",             "погода на выходных",
        "закрытие районной библиотеки",   "реформа образования",
        "открытие новой школы",           "работа общественного транспорта",
        "строительство моста через реку", "выборы мэра",
        "отопление в старых домах",       "фестиваль в субботу",
        "новая линия метро",              "уборка снега во дворах"};
    static const std::vector<std::string> kPredicate = {
        "давно пора было сделать",   "вызывает много вопросов", "меня очень радует",
        "это просто позор",          "надо обсуждать открыто",  "затронет всех жителей",
        "обещали ещё в прошлом году", "нужно проверить ещё раз", "сделано на совесть",
        "никого не удивило"};
    static const std::vector<std::string> kClose = {
        "",                           " Посмотрим, что будет дальше.", " Автору спасибо.",
        " Надеюсь, власти услышат.",  " Пишите ещё!",                  " У нас во дворе то же самое.",
        " Мой сосед тоже так считает.", " Жду продолжения.",           " Фото отличные."};
    if (!fixture_.empty() && Pick(2) == 0) {
      size_t half = fixture_.size() * 2 / 3;
      size_t i = test ? half + Pick(fixture_.size() - half) : Pick(half);
      return fixture_[i] + kClose[Pick(kClose.size())];
    }
    return kOpen[Pick(kOpen.size())] + kTopic[Pick(kTopic.size())] + " " +
           kPredicate[Pick(kPredicate.size())] + "." + kClose[Pick(kClose.size())];
  }

 private:
  size_t Pick(size_t n) { return static_cast<size_t>(rng_() % n); }
  std::string Num(int lo, int hi) { return std::to_string(lo + static_cast<int>(Pick(hi - lo + 1))); }
  std::string Brand() {
    static const std::vector<std::string> k = {"Вулкан", "Азино", "Джойказино", "Фортуна",
                                               "Золотой слот", "Eldorado"};
    return k[Pick(k.size())];
  }
  std::string Url() {
    switch (Pick(5)) {
      case 0: return "http://vulkan-" + Num(1, 999) + ".ru";
      case 1: return "https://stavki" + Num(1, 99) + ".com/reg";
      case 2: return "bit.ly/" + Num(10000, 99999) + "x";
      case 3: return "www.zarabotok" + Num(1, 99) + ".online";
      default: return "kazino" + Num(1, 999) + ".xyz";
    }
  }
  std::string Phone() {
    if (Pick(2) == 0) return "+7 9" + Num(10, 99) + " " + Num(100, 999) + "-" + Num(10, 99) + "-" + Num(10, 99);
    return "8 800 " + Num(100, 999) + " " + Num(10, 99) + " " + Num(10, 99);
  }
  std::string Handle() {
    static const std::vector<std::string> k = {"@money_bot", "@bonus", "@vip_stavki", "@dengi",
                                               "@zarabotok"};
    return k[Pick(k.size())] + Num(1, 99);
  }
  std::string Call() {
    switch (Pick(8)) {
      case 0: return "Переходи по ссылке " + Url();
      case 1: return "Регистрация тут: " + Url();
      case 2: return "Пиши в телеграм " + Handle();
      case 3: return "Звони " + Phone();
      case 4: return "Подробности на сайте " + Url();
      case 5: return "Жми " + Url() + " и забирай бонус";
      case 6: return "Пиши в личку";
      default: return "Успей, предложение ограничено!";
    }
  }
  std::string Tail() {
    static const std::vector<std::string> k = {"", " 🔥", " 💰", "!!!", " Не пропусти!", ""};
    return k[Pick(k.size())];
  }

  std::mt19937 rng_;
  std::vector<std::string> fixture_;
};

}  // namespace moderated::testing

#endif  // MODERATED_TESTS_TESTDATA_LEARNING_RUSSIAN_COMMENTS_H_
