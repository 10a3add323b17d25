# ruff: noqa: E501  (prose inventory: one comment per line reads better than wrapped strings)
"""Invented news articles and hand-written on-topic comments for data/build_labels.py.

Every article, name and comment here was written for this project. Block format:

    == key | short noun phrase for the story | the public figure or body responsible
    T: title
    B: body (three sentences)
    C: an on-topic comment (hand-written)
"""

ARTICLES_TEXT = r"""
== transit | the tram extension | Transit Commissioner Dana Whitfield
T: City approves tram extension to the eastern suburbs
B: The city council voted 9-4 on Tuesday to extend the Line 3 tram by six kilometres to Eastfield and Marlow Park. The project is expected to cost 410 million and open in 2029, with construction closing parts of Station Road for eighteen months. Transit Commissioner Dana Whitfield said the extension would take 12,000 car journeys off the road every day.
C: Finally. I've been stuck in traffic on Station Road for years, a tram to Eastfield can't come soon enough.
C: 410 million for six kilometres seems like a lot. What happened to the bus rapid transit option that was half the price?
C: Eighteen months of closures on Station Road will kill the small shops there. Is there any compensation plan?
C: The 12,000 journeys figure comes from the 2019 survey, before half of us started working from home. I'd like to see updated numbers.
C: My kids will be able to get to college in Marlow Park without me driving them. Good decision.
C: Does the extension include a stop near the hospital? The map in the article cuts off.
C: The council vote was 9-4, not exactly unanimous. Two of the no votes were from the eastern wards, which says something.
C: Trams are great but the current Line 3 is already packed at 8am. Will they buy more vehicles or just stretch the same ones further?
C: Correction: the article says 2029 but the council report (page 14) gives late 2030 as the opening date.
C: I live on Marlow Road and honestly the construction noise worries me more than the cost.
C: Every city that built light rail saw property values go up around the stops. Eastfield renters should be worried about that.
C: Good news for people who can't drive. My mum is partially sighted and the bus changes every year confuse her; a fixed tram line is much easier.

== school | the school budget cut | the Riverside school board
T: Riverside school board cuts music and art to close budget gap
B: The Riverside school board has approved a 3.2 million cut that ends music and art classes at four primary schools from September. Board chair Paul Ndiaye said the district faced rising energy bills and a fall in state funding. Parents packed Monday's meeting, and a petition to reverse the decision has passed 5,000 signatures.
C: Cutting music and art first is always the easy option. Those are the classes that kept my son going to school at all.
C: Has the board looked at the administration budget? Central office salaries went up 11% in two years.
C: I signed the petition. 5,000 signatures in a week should tell the board something.
C: The energy bills point is real, the district heating contract was signed at the worst possible time.
C: Which four primary schools are affected? The article doesn't name them.
C: I teach at one of the schools and we found out from this newspaper, not from the board. That's how bad the communication has been.
C: To be fair to Mr Ndiaye, the state cut funding by 6% and the board has to balance the books somehow.
C: Music programmes cost a fraction of what the district spends on consultants. The priorities are backwards.
C: Could local businesses sponsor the art classes? It's been done in other districts.
C: The meeting on Monday was standing room only. I've never seen parents this angry.
C: Small correction: the cut is 3.2 million over two years, so about 1.6 million a year according to the board papers.

== transfer | the Alvarez transfer | the Harbour City FC board
T: Harbour City FC sign striker Mateo Alvarez for a club-record fee
B: Harbour City FC have signed Argentine striker Mateo Alvarez from Porto for a reported 40 million on a five-year contract. The 24-year-old scored 27 goals last season and will wear the number nine shirt. Manager Ellen Brandt called him the final piece of the squad.
C: 40 million for a player who scored most of his goals against bottom-half teams. I hope I'm wrong.
C: What a signing! Alvarez is exactly the kind of striker we've lacked since Jensen left.
C: Five years is a long contract for a striker, but at 24 he should be at his peak for most of it.
C: Does anyone know if the fee includes add-ons? Sky reported 34 plus 6.
C: The number nine shirt has been cursed for a decade. Good luck to him.
C: Brandt said the same about the last three signings. Final piece of the squad, until January.
C: We still haven't fixed the defence. Forty million on a striker while the back four leaks goals every week.
C: Watched him a lot in Portugal. Great movement, weak in the air, very quick over ten metres.
C: Correction: he scored 27 in all competitions, 19 in the league.
C: Season ticket sales will go up after this, which is probably part of the point.

== hospital | the new emergency wing | the regional health trust
T: St Brigid's Hospital opens new emergency wing after four-year delay
B: St Brigid's Hospital opened its new emergency department on Friday, adding 40 treatment bays and a dedicated children's area. The wing was due in 2022 but was delayed by a contractor's collapse and rising costs. The regional health trust says average waiting times should fall from six hours to under four.
C: Four years late but I'm glad it's finally open. I waited nine hours in the old A&E last winter.
C: Forty bays won't help if there aren't enough nurses to staff them. Where is the staffing plan?
C: The children's area is a great idea, taking a sick toddler into a waiting room full of adults was awful.
C: Who paid for the contractor's collapse? The trust or the taxpayer?
C: I work nights at St Brigid's. The new wing is lovely but we're still short of eight nurses per shift.
C: Under four hours is the target, not a promise. Let's see the figures in six months.
C: Is parking included in the new wing? The current car park is impossible.
C: My dad was treated there last week and the staff were wonderful, new building or not.
C: The delay cost an extra 23 million according to the trust's own annual report.
C: Good to see the trust finally admit the old department was not fit for purpose.

== carbon | the heating fuel carbon tax | Environment Minister Rachel Osei
T: Government confirms carbon tax on home heating fuel from next year
B: Environment Minister Rachel Osei confirmed a carbon levy of 45 per tonne on gas and heating oil from January. The revenue will fund heat pump grants of up to 7,000 per household. Opposition parties said the tax would hit rural and older households hardest.
C: A heat pump grant of 7,000 doesn't cover half the cost of installing one in an old stone house.
C: Pricing carbon is the cheapest way to cut emissions, every economist agrees on that. The question is who gets the rebate.
C: Rural households have no gas alternative and drive long distances. This will hurt them.
C: How much will the average household actually pay? The article doesn't give a number.
C: We installed a heat pump two years ago and our bills dropped. It works if the house is insulated.
C: 45 per tonne is lower than the EU price, so this is hardly radical.
C: The opposition had the same policy in their manifesto four years ago, they're just opposing it because they're in opposition.
C: I'd support it if the money was ring-fenced. Last time the revenue disappeared into general spending.
C: Pensioners on fixed incomes can't afford heating bills going up in January of all months.
C: Correction: the levy starts at 45 and rises to 80 by 2030, according to the budget document.

== phone | the Nimbus X phone | Nimbus Technologies
T: Nimbus launches X phone with on-device AI assistant
B: Nimbus Technologies unveiled the Nimbus X on Wednesday, its first phone with an AI assistant that runs entirely on the device. The phone starts at 999 and ships in October. The company says no voice data leaves the handset, a claim privacy groups say they want to verify.
C: 999 for a phone is absurd. My three-year-old phone does everything I need.
C: On-device processing is a genuine privacy improvement if it's true. I'd like to see an independent audit.
C: Does the assistant work offline? That's the only feature that would make me switch.
C: Battery life is what matters. Running AI on the phone will drain it by lunchtime.
C: Nimbus said the same about their smart speaker and it turned out to send recordings to contractors.
C: The camera specs look great, the AI stuff is a gimmick.
C: Is there a cheaper model? The article only mentions the 999 version.
C: I'll wait for reviews. Launch-day phones always have bugs.
C: Correction: it ships in the US in October, Europe isn't until December per the press release.
C: Privacy groups are right to be sceptical. Trust but verify.

== visas | the points-based visa system | Home Secretary Martin Crane
T: Points-based visa system to replace work permits from April
B: Home Secretary Martin Crane announced that work permits will be replaced by a points-based system scoring skills, language and salary. Care workers and seasonal farm staff will need a new sponsored visa. Employers' groups warned of shortages, while the government says the changes will cut net migration by 100,000 a year.
C: Care homes already can't find staff. Making the visa harder will close some of them.
C: A points system is what Canada and Australia use and it seems to work there.
C: What is the salary threshold? That's the detail that decides whether this works.
C: Farmers in my area rely on seasonal workers from abroad. Who is going to pick the fruit?
C: The 100,000 figure is a projection, not a fact. The last three targets were all missed.
C: My wife came here on a work permit as a nurse. Under this system she'd struggle to qualify on salary alone.
C: I think it's reasonable to choose migrants by skills, every country does that.
C: Does the language requirement apply to dependants as well?
C: Employers should pay better wages instead of relying on cheap labour from abroad.
C: Correction: the system starts in April for new applicants only; existing permits remain valid until they expire.

== diwali | the Diwali festival in Market Square | the festival committee
T: Thousands expected at Diwali celebration in Market Square
B: The town's Diwali festival returns to Market Square this Saturday with food stalls, dance performances and a fireworks display at 9pm. Organisers from the Hindu temple on Carver Street expect more than 8,000 visitors. Roads around the square will close from 2pm.
C: We went last year with the kids and it was wonderful. The food stalls alone are worth the trip.
C: Fireworks at 9pm is fine for one night, but can they warn pet owners in advance?
C: Lovely to see the temple opening the celebration to everyone in town.
C: Which roads are closing? The article just says around the square.
C: Parking will be a nightmare. Is there a park and ride?
C: My Hindu colleagues brought sweets into the office last year, I'm going to the festival for the first time.
C: The dance performances by the school groups were the highlight for us.
C: Last year the clean-up was brilliant, the square was spotless by Sunday morning.
C: Correction: the fireworks were moved to 8:30pm, according to the committee's page.
C: Will there be vegan options? Asking for my daughter.

== ruling | the protest law ruling | the Supreme Court
T: Supreme Court strikes down parts of the new protest law
B: The Supreme Court ruled 5-2 that sections of the Public Order Act allowing police to ban protests for being "too noisy" were unconstitutional. The court upheld rules against blocking motorways. The government said it would study the judgment carefully.
C: Good. Too noisy is not a legal standard, it's an excuse.
C: The court kept the motorway rules, which seems like the right balance.
C: 5-2 is a clear majority. The dissent is worth reading though, it makes some fair points about public safety.
C: What happens to people already convicted under the struck-down sections?
C: Study the judgment carefully means they'll try to pass the same thing with different wording.
C: Protest is a right. Inconvenience is the whole point of a protest.
C: I don't think judges should be overruling Parliament on policing decisions.
C: Correction: the ruling was 5-2, but one of the majority judges only agreed on the noise section, not the others.
C: Does this affect protests outside schools and clinics, which have their own rules?
C: The law was badly drafted from the start, lawyers warned about exactly this.

== wildfire | the Pine Ridge evacuation plan | the state fire service
T: Evacuations ordered as wildfire spreads near Pine Ridge
B: About 3,000 residents of Pine Ridge were ordered to evacuate on Sunday as a wildfire burned more than 12,000 acres. Strong winds and dry conditions pushed the fire toward the highway overnight. The state fire service said it was 15% contained.
C: Stay safe everyone in Pine Ridge. The community centre on Elm Street is taking in pets.
C: 12,000 acres in two days is terrifying. Thank you to the firefighters.
C: Is the highway still open northbound? My parents need to get out.
C: The forest management budget was cut three years in a row. This was predictable.
C: We evacuated last night. The shelter at the high school is well organised, volunteers are amazing.
C: 15% contained with wind forecast again on Tuesday. Please leave if you're told to.
C: Correction: the fire service update at 6am says 18% contained and 12,400 acres.
C: Where can people donate? Is there an official fund?
C: These fires are getting worse every summer. We need to talk about climate and land management.
C: Our street is just outside the zone. Should we be packing anyway?

== election | the mayoral election result | Mayor-elect Sofia Brennan
T: Brennan wins mayoral race by 412 votes after recount
B: Sofia Brennan was declared mayor on Thursday after a recount confirmed her 412-vote lead over incumbent George Hale. Turnout was 38%, the lowest in twenty years. Brennan promised to freeze council tax and review the parking contract.
C: 412 votes! Every vote really does count.
C: 38% turnout is depressing. Most of the city didn't bother.
C: Freezing council tax sounds nice but what gets cut to pay for it?
C: Congratulations to Brennan. Hale ran a decent campaign, but people wanted change.
C: Will Hale challenge the recount? He has ten days under the election rules.
C: The parking contract review is overdue, that company has been ripping off residents for years.
C: I voted for Hale but I wish Brennan well. The city needs a functioning council.
C: Correction: turnout was 38.4%, slightly higher than 2012 but still low.
C: Does the new mayor take office immediately or after the May sitting?
C: Low turnout elections are decided by retirees. Young people need to show up.

== housing | the Millbrook housing development | Harlow Homes
T: 400 homes approved on former Millbrook factory site
B: The planning committee approved 400 new homes on the former Millbrook textile factory site, including 80 affordable units. Developer Harlow Homes will also build a primary school and a small park. Neighbours objected to the height of two eight-storey blocks.
C: 80 affordable units out of 400 is only 20%. The local plan says 30%.
C: We desperately need homes. My children can't afford to live in the town they grew up in.
C: Eight storeys next to terraced houses is out of scale. The objections are reasonable.
C: Will the school actually be built first, or is it one of those promises that disappears?
C: Better to build on an old factory site than on green fields.
C: Affordable at 80% of market rent isn't affordable for anyone on an average wage.
C: What about the roads? Millbrook Lane is already single file at rush hour.
C: Harlow Homes built the estate near my parents and the drainage was a disaster.
C: Correction: the committee approved 400 homes, but 120 of them are in phase two which needs separate approval.
C: Good news for young families. I hope the park is real and not just a strip of grass.

== film | The Glass Harbour | director Ines Calloway
T: Review: The Glass Harbour is beautiful but overlong
B: Ines Calloway's The Glass Harbour follows a lighthouse keeper's daughter over three decades on a remote island. The cinematography is stunning and Maya Torres gives a career-best performance. At two hours and fifty minutes, however, the film tests its audience's patience.
C: I saw it on Friday and didn't notice the length at all. Torres is incredible.
C: Three hours for a film about a lighthouse? I'll wait for streaming.
C: Calloway's last film was also gorgeous and also twenty minutes too long. It's her style.
C: Is it suitable for teenagers? Thinking of taking my 14 year old.
C: The score by Lund is the best thing in it, I've been listening to it all week.
C: The reviewer is right about the middle hour, it drags.
C: Correction: the running time is 2h43 according to the distributor, not 2h50.
C: The island scenes were filmed in the Faroe Islands, which explains the landscapes.
C: Saw it twice. The ending made the whole cinema go silent.
C: I found it pretentious, but the acting was excellent.

== recipe | the lemon chicken traybake | the food editor
T: Recipe: one-tray lemon chicken with potatoes and olives
B: This week's column is a one-tray dinner of chicken thighs roasted with lemon, garlic, new potatoes and green olives. It takes ten minutes to prepare and forty-five in the oven. Swap the chicken for chickpeas for a vegetarian version.
C: Made this last night and my kids ate everything. The olives make it.
C: Can I use chicken breast instead of thighs? Or will it dry out?
C: Forty-five minutes at what temperature? The recipe doesn't say fan or conventional.
C: The chickpea version was great, I added some feta at the end.
C: Too salty with the olives for my taste, I'd halve them next time.
C: Skin-on thighs are the only way to do this. Crispy and juicy.
C: This is basically my grandmother's Greek recipe. Add oregano and a splash of white wine.
C: Can this be prepped the night before?
C: Correction: the printed edition says 200C but the online version says 220C, which is right?
C: Simple and cheap. More recipes like this please.

== parking | the parking fee increase | the Borough Council
T: Borough Council raises town centre parking fees by 40%
B: Parking in the town centre will rise from 1.50 to 2.10 an hour from next month. The Borough Council says the increase will raise 900,000 to fill a gap in the highways budget. Traders warned that shoppers would go to the out-of-town retail park, where parking is free.
C: The high street is already dying. This will finish it off.
C: 2.10 an hour is still cheaper than most cities. The roads need fixing.
C: Is there still a free first hour on Saturdays?
C: The retail park has free parking because it's on cheap land outside town. You can't compare them.
C: The council should lower business rates if it wants people in the town centre.
C: I take the bus into town anyway, but I feel for the traders.
C: Correction: the rise is 60p, which is 40%, but evening parking after 6pm stays free.
C: Where does the 900,000 go exactly? The potholes on Mill Road have been there for two years.
C: Residents' permits aren't affected, according to the council notice.
C: Car parks half empty already and they put the price up. Brilliant.

== bikes | the High Street cycle lane | Councillor Amir Haddad
T: Protected cycle lane planned for High Street
B: The council will build a protected two-way cycle lane on High Street, removing 60 parking spaces. Councillor Amir Haddad said cycling in the town had doubled since 2020. Work starts in March and will take five months.
C: I cycle to work on High Street and I've been clipped by car doors twice. This is great.
C: Removing 60 parking spaces will hurt the shops. Where are delivery vans supposed to stop?
C: Has cycling doubled from a tiny number? Doubling 2% to 4% is still 4%.
C: Protected lanes are the only kind that make parents feel safe letting kids cycle.
C: Five months of roadworks during the spring trade season is poor timing.
C: The lane in Westbury cut accidents by a third in its first year.
C: Will there be loading bays? That seems like the key detail.
C: Correction: 60 spaces are being removed but 35 are being added on Church Lane, so the net loss is 25.
C: I'm 70 and I'd cycle more if I felt safe. Good decision.
C: Consultation only had 300 responses. Hardly a mandate.

== library | the library closure plan | the county library service
T: County libraries to close on Mondays and Wednesdays
B: Twelve county libraries will close two days a week from June to save 600,000 a year. The county library service said visits had fallen by 30% since 2015. Campaigners said libraries provide warm spaces, internet access and help for job seekers.
C: Libraries are the only free warm place in town. Closing them in winter would be cruel, even two days.
C: Visits fell because opening hours were already cut. It's a self-fulfilling prophecy.
C: Which twelve libraries? Is the one on Baker Street affected?
C: My mum uses the library computers for everything, she doesn't have internet at home.
C: 600,000 is a rounding error in the county budget.
C: Could volunteers keep them open? Some villages already do that.
C: The e-book service is brilliant though, I use it more than the building now.
C: Correction: visits fell 30% for books lent, but computer sessions went up 12% over the same period.
C: Job centres send people to the library to apply online. What happens on Mondays now?
C: I learnt to read in that library. Sad news.

== water | the hosepipe ban | Southvale Water
T: Hosepipe ban announced as reservoirs fall to 48%
B: Southvale Water will ban the use of hosepipes from Friday after the driest spring in 60 years. Reservoirs are at 48% of capacity. The company leaks about a fifth of the water it supplies, according to the regulator.
C: They lose a fifth of the water through leaks and we're told not to water our gardens. Fix the pipes.
C: Driest spring in 60 years, a hosepipe ban is sensible. We can all use a watering can.
C: Does the ban cover paddling pools for small children?
C: Southvale paid out 80 million in dividends last year while the pipes rot.
C: We installed water butts last year and they're saving our garden.
C: Correction: the regulator's figure is 19.4%, close to a fifth but the article rounds it up.
C: How long will the ban last? Last time it was four months.
C: Farmers use far more water than gardens. What restrictions are they under?
C: The reservoir near us looks like a desert, it's frightening.
C: The regulator should fine them for every litre leaked.

== wage | the minimum wage rise | Employment Minister Ravi Mehta
T: Minimum wage to rise 9% in April
B: The national minimum wage will rise by 9% to 12.40 an hour from April, Employment Minister Ravi Mehta announced. About two million workers will get a pay rise. Small business groups said some firms would cut hours or jobs.
C: 12.40 still isn't a living wage in the city. Rent alone eats half of it.
C: Small businesses are already struggling with energy costs. Some will close.
C: Every time the minimum wage goes up we're told jobs will disappear, and every time it doesn't happen.
C: Does this apply to under-21s as well or only over-21s?
C: My daughter works in a café and this will make a real difference to her.
C: The government is taking credit for a rise that was recommended by the independent commission.
C: Correction: it's 9.2%, to 12.40, and the youth rate rises by 11%.
C: Prices will go up to cover it. I don't mind paying 10p more for coffee.
C: The real question is whether tax thresholds move too, or the Treasury takes half the rise.
C: Care workers deserve far more than the minimum anyway.

== iftar | the mosque's open iftar | the Al-Noor mosque
T: Mosque invites neighbours to open iftar during Ramadan
B: The Al-Noor mosque on Quarry Road will host an open iftar on Saturday, inviting people of all faiths to break the fast together. Last year more than 400 people attended. The event is free and includes a short talk about Ramadan.
C: We went last year and were made to feel so welcome. Highly recommend.
C: Lovely idea. Is there a need to book or just turn up?
C: The food was incredible and the talk was genuinely interesting, even for a non-religious person like me.
C: Events like this are how communities get to know each other. Well done Al-Noor.
C: Is there parking at the mosque or should we walk?
C: My Muslim colleagues fast all day and still run the office. Respect.
C: Correction: it starts at sunset, about 7:40pm on Saturday, not 7pm as the article says.
C: Are children welcome? I'd love to bring my two.
C: I'm Christian and went with my church group last year, it was a lovely evening.
C: More of this please, from every faith community in town.

== pride | the Pride parade route | the Pride committee
T: Pride parade to take new route along the seafront
B: This year's Pride parade will follow a new route along the seafront, ending in Victoria Gardens. Organisers expect 20,000 people. Several roads will close from 11am until 4pm.
C: The seafront route is much better, more space for families.
C: 20,000 people in Victoria Gardens sounds like a lot, is there enough room?
C: I'm bisexual and went to my first Pride last year. It was one of the best days of my life.
C: Which roads close? I need to get to work by 1pm.
C: Good to see the police marching again this year.
C: My gay son is on the committee this year, proud of him.
C: Is the parade accessible for wheelchair users? Last year's route had a lot of steps.
C: Correction: the road closures start at 10am for set-up, according to the council traffic notice.
C: Will there be quiet zones for people who find crowds overwhelming?
C: Best weekend of the year for the local cafés and pubs.

== marathon | the city marathon | the marathon committee
T: Record 18,000 runners sign up for city marathon
B: A record 18,000 runners will take part in Sunday's city marathon, which raises money for local charities. The course has been changed to avoid the tram works on Station Road. Organisers have added extra water stations after last year's heat.
C: Running my first marathon on Sunday, wish me luck!
C: Extra water stations are a good call. Last year people were collapsing at mile 20.
C: The new course skips the bridge, which was the best part of the old one.
C: Where are the best places to watch near the finish?
C: Road closures every year for this. Residents inside the course are basically trapped all morning.
C: The wheelchair race starts at 8:45, it's worth getting there early to watch.
C: Correction: 18,000 registered, but usually about 15% don't start.
C: Raising money for local charities is great. Which charities this year?
C: Good luck to everyone running. The crowds near the cathedral are amazing.
C: Can you still enter as a relay team?

== womensfootball | the World Cup squad | national coach Hannah Lind
T: Lind names 23-player squad for the Women's World Cup
B: Coach Hannah Lind has named her 23-player squad for the Women's World Cup, with three uncapped players. Veteran captain Jo Mensah, 35, leads the team in her fourth tournament. The team's first game is against Japan on 14 July.
C: Great squad. Mensah in her fourth World Cup is remarkable.
C: Leaving out Carter is a mistake, she was the best midfielder in the league this season.
C: Three uncapped players is risky at a World Cup.
C: What time is the Japan game in our time zone?
C: Japan are technically brilliant, that will be a tough opener.
C: My daughter plays for the under-12s and she's obsessed with Mensah. Brilliant role model.
C: Correction: there are two uncapped players; Ruiz made her debut in a friendly in April.
C: I hope the games are on free-to-air TV this time.
C: Lind's tactics in the qualifiers were too defensive. We need to attack more.
C: Good luck to the team, bring it home!

== taxcut | the income tax cut | Chancellor Leonard Price
T: Chancellor cuts basic income tax rate by two points
B: Chancellor Leonard Price cut the basic rate of income tax from 20% to 18% in Wednesday's budget. The cut will cost 14 billion a year and will be paid for partly by freezing public sector pay. Economists said the richest tenth would gain the most in cash terms.
C: Freezing public sector pay to pay for a tax cut means nurses and teachers are paying for it.
C: Finally some relief for working families. Every bit helps.
C: The richest gain most in cash terms but the lowest earners gain most as a share of income. Both are true.
C: 14 billion a year with services already stretched. Something will give.
C: How much will someone on 30,000 actually save? I worked it out at about 400.
C: The Chancellor needs a popular budget before the election, that's all this is.
C: Correction: the cut applies from April next year, not immediately.
C: Cutting taxes while borrowing goes up seems irresponsible.
C: I'd rather keep the 2% and have a working NHS.
C: Will the threshold freeze continue? If so the cut is partly cancelled out.

== police | the police funding plan | Chief Constable Alan Forde
T: Burglaries up 14% as police force loses 200 officers
B: Burglaries in the county rose 14% last year, according to figures published on Monday. The force has 200 fewer officers than in 2015. Chief Constable Alan Forde said officers were stretched by mental health calls that should be handled by other services.
C: Our shed was broken into twice and nobody came either time. This explains it.
C: 200 fewer officers and people are surprised crime goes up?
C: The Chief Constable is right that police shouldn't be the emergency mental health service.
C: Is the 14% rise in reported burglaries or actual burglaries? Reporting changed in 2022.
C: Neighbourhood watch in our street has made a real difference.
C: Correction: the 200 figure is full-time equivalents; headcount fell by 160.
C: Where did the money go? The police precept on council tax went up every year.
C: More officers on the street, fewer in offices.
C: Mental health services have been cut, so the police end up picking up the pieces.
C: Burglary clear-up rates are below 5%. That's the real scandal.

== airport | the second runway | Westmoor Airport
T: Westmoor Airport second runway approved by ministers
B: Ministers have approved a second runway at Westmoor Airport, which could double flights to 400,000 a year by 2040. The airport says the project will create 15,000 jobs. Residents under the flight path and climate campaigners plan to challenge the decision in court.
C: 15,000 jobs is a big deal for this region. Good decision.
C: How does doubling flights fit with the government's climate targets?
C: I live under the flight path. The noise at 6am is already unbearable.
C: The jobs figure includes construction jobs that only last a few years.
C: Every airport expansion gets challenged in court. It'll be 2045 before it opens.
C: Will there be a night flight ban as part of the deal?
C: Business travel never recovered after the pandemic, so who are these flights for?
C: Correction: the approval is for up to 380,000 flights, with 400,000 only under a later phase.
C: Better rail links would do more for the region than more flights.
C: Holidays abroad will get cheaper, that's what most people care about honestly.

== strike | the nurses' strike | Health Secretary Claire Dunmore
T: Nurses to strike for 48 hours over pay
B: Nurses will strike for 48 hours next week after rejecting a 4% pay offer. The union says real pay has fallen 15% since 2010. Health Secretary Claire Dunmore said the offer was fair and affordable.
C: I support the nurses. 4% with inflation at 6% is a pay cut.
C: Strikes in hospitals put patients at risk. There must be another way.
C: Emergency care continues during the strike, the union confirmed that.
C: Real pay down 15% since 2010 is shocking. No wonder people are leaving the profession.
C: My operation was cancelled because of the last strike. I understand the anger, but it's hard.
C: Is the 15% figure from the union or from an independent source?
C: Fair and affordable for whom? Agency nurses cost the trusts three times as much.
C: Correction: the offer is 4% this year and 3% next year, so 7% over two years.
C: My sister is a nurse. She works 13-hour shifts and pays to park at the hospital.
C: The government should go to arbitration.

== drought | the drought support scheme | the agriculture minister
T: Drought cuts wheat harvest by a quarter
B: The national wheat harvest is expected to fall by 25% after the driest summer on record. The Farmers' Union warned that bread and animal feed prices would rise. Some farmers say they are considering selling land.
C: My family has farmed for four generations and this is the worst year I've seen.
C: Bread prices will go up again. Families are already struggling.
C: Is there any government support for farmers this year?
C: We need reservoirs on farms. Other countries have done this for decades.
C: The price rise will be smaller than people think, wheat is a small part of the cost of a loaf.
C: Correction: the Union's estimate is 22-28%, so a quarter is the middle of the range.
C: Selling land to developers is how we lose farmland forever.
C: Will this affect beer prices? Serious question, barley was hit too.
C: Climate change is making this normal, not exceptional.
C: Buy local, support the farmers who are struggling.

== breach | ShopWave's response to the data breach | ShopWave
T: ShopWave admits data breach affecting 3 million customers
B: Online retailer ShopWave said hackers accessed names, addresses and partial card numbers of 3 million customers. The breach happened in March but was only disclosed this week. The data regulator has opened an investigation.
C: March! And they only tell us now. That's unacceptable.
C: Partial card numbers are still useful to scammers. Watch your statements.
C: How do I check if my account was affected?
C: The regulator should fine them a percentage of turnover, not a token amount.
C: I got a phishing email pretending to be ShopWave last week. Now it makes sense.
C: Correction: ShopWave says the last four digits only, which is what every receipt shows anyway.
C: Use a different password for every site, people. A password manager helps.
C: ShopWave's customer service was useless when I called. Hold music for 50 minutes.
C: Three million customers and not one executive will lose their job.
C: Should I cancel my card as a precaution?

== museum | the Viking exhibition | the City Museum
T: City Museum opens major Viking exhibition
B: The City Museum's new exhibition brings together 300 Viking objects, including a silver hoard found by a metal detectorist near Eastbrook in 2019. Tickets cost 14 for adults and children go free. The exhibition runs until January.
C: The Eastbrook hoard is stunning in person. Worth the ticket alone.
C: Children free is great. Took my two and they loved the interactive longship.
C: 14 is steep for a local museum. Is there a discount for residents?
C: Is it step-free? My husband uses a wheelchair.
C: The audio guide is excellent, narrated by an actual archaeologist.
C: Correction: the hoard was found in 2018 and declared treasure in 2019.
C: Went on a weekday morning and it was quiet. Avoid weekends.
C: I wish they explained more about Viking trade with the Islamic world, there's a lot of silver from Baghdad.
C: Great to see a detectorist get credit. Most of them do things properly.
C: The gift shop is dangerous. I came out with three books.

== flood | the flood defence scheme | the Environment Agency
T: Flood defences fail as river bursts banks in Weirton
B: More than 200 homes in Weirton were flooded on Thursday night after the River Wend overtopped defences built in 2011. The Environment Agency said rainfall was beyond the design standard. Residents said they had warned about the low section near the bridge for years.
C: We warned them about that section for years. Nobody listened.
C: Thinking of everyone in Weirton cleaning up this weekend.
C: Design standard from 2011 is already out of date, rainfall is heavier now.
C: Is there a fund for people without flood insurance?
C: The rugby club is collecting supplies, drop off at the clubhouse.
C: Correction: the Agency said 240 homes, and 30 businesses.
C: Building on the floodplain in the first place was the mistake.
C: Insurance for houses in Weirton is already impossible to get.
C: The volunteers with boats saved lives that night.
C: When will the defences be raised? We need a date, not another review.

== aischools | the AI marking plan | Education Secretary Naomi Fell
T: Schools told they can use AI tools for marking homework
B: Education Secretary Naomi Fell said schools in England may use AI tools to mark homework and draft lesson plans. Guidance says teachers must check all marks and pupils' data must not be used for training. Teaching unions gave a cautious welcome.
C: Anything that reduces marking is welcome. I spend ten hours a week on it.
C: AI marking essays is a terrible idea. It can't judge argument or voice.
C: Who checks that the pupils' data isn't used for training? The guidance is toothless.
C: Teachers must check all marks, so where is the time saved?
C: My son's school already uses it for maths homework and it works fine.
C: Correction: the guidance applies to England only; Wales and Scotland have their own.
C: This should come with training for teachers, not just a memo.
C: Kids are already using AI to write the homework. So AI writes it and AI marks it?
C: Cautious welcome is the right response. Pilot first.
C: Which tools are approved? The article doesn't name any.

== pension | the pension age rise | Work and Pensions Secretary Gareth Lowe
T: State pension age to rise to 68 a decade earlier than planned
B: The state pension age will rise to 68 between 2037 and 2039, Work and Pensions Secretary Gareth Lowe announced. People born after April 1971 will be affected. Unions said manual workers with lower life expectancy would be hit hardest.
C: I was born in 1972 and I've just lost a year of pension. Thanks a lot.
C: People live longer, so working longer is unavoidable.
C: Manual workers have shorter lives. A bricklayer at 67 can't do the job.
C: Does this change private pension access ages too?
C: The triple lock costs a fortune, something had to give.
C: Correction: it affects people born on or after 6 April 1970, according to the DWP statement.
C: Life expectancy has stalled since 2011, the justification doesn't stand up.
C: My dad worked until 66 on building sites and his knees are ruined.
C: Gradual change with plenty of notice is fair enough.
C: Why not let people take a reduced pension earlier?

== buses | the bus announcement rule | the transport regulator
T: All buses must have audio and visual stop announcements by 2026
B: New rules require every local bus to announce the next stop both on screen and by audio from October 2026. Disability charities have campaigned for the change for a decade. Operators say fitting older buses will cost about 4,000 each.
C: As a blind person this is massive. I currently count stops on my fingers.
C: I'm autistic and the new signs help a lot, I get anxious not knowing where I am.
C: 4,000 a bus is nothing compared with what operators get in subsidies.
C: Will the audio be loud enough? On the trial route you couldn't hear it over the engine.
C: Good news for tourists too. Everyone benefits.
C: My deaf brother relies on the screens. Glad this is becoming standard.
C: Correction: the deadline is October 2026 for new buses, older buses have until 2028.
C: Ten years of campaigning for something this basic. Well done to the charities.
C: Will rural routes lose buses because small operators can't afford it?
C: Our local buses already have it and it's great for everyone, not just disabled passengers.

== refugees | the refugee resettlement programme | Housing Minister Lara Quinn
T: Town to welcome 60 Syrian refugee families
B: The council has agreed to resettle 60 refugee families from Syria over two years under the national scheme. Housing Minister Lara Quinn said funding would cover housing, language classes and school places. A local church and the mosque have formed a welcome group.
C: Good. The families who came in 2016 are now our neighbours, running shops and coaching football.
C: Where will they be housed? The council waiting list is already long.
C: The welcome group needs volunteers for the language classes, I've signed up.
C: Does the funding cover the whole two years or just the first year?
C: Syrian families in our street brought us food when my husband was ill. Lovely people.
C: I support helping refugees, but the council should be clear about the costs.
C: Correction: the funding covers five years for housing, according to the scheme guidance.
C: The church and the mosque working together on this is great to see.
C: Schools in the area are full. How will they find places?
C: My grandparents came as refugees in 1956. This country gave them a chance.

== bakery | the new bakery on Fore Street | Crumb & Co
T: Crumb & Co bakery opens on Fore Street
B: Crumb & Co opened its first shop on Fore Street on Saturday, selling sourdough, cinnamon buns and Portuguese custard tarts. Owner Leah Marsh trained in Lisbon and bakes everything on site from 4am. The queue on opening day stretched past the post office.
C: The custard tarts are as good as the ones in Lisbon. Not exaggerating.
C: 5.50 for a loaf of sourdough is a lot, but it's very good bread.
C: Do they have gluten-free options?
C: Fore Street needed this. Half the shops were empty last year.
C: Queued for 40 minutes, worth it for the cinnamon buns.
C: Correction: they open at 7am, not 8am, and are closed Mondays.
C: Nice to see an independent business open instead of another vape shop.
C: Will they deliver to cafés? Our café would love to stock their bread.
C: Friendly staff, great coffee, and dog friendly too.
C: Went back three days in a row. Send help.

== festival | the Summer Sounds licence review | the licensing committee
T: Noise complaints threaten future of Summer Sounds festival
B: The licensing committee will review Summer Sounds after 140 noise complaints from residents in Hillside. The three-day festival in Greenway Park draws 25,000 people. Organisers say they will lower volumes and move the main stage.
C: It's three days a year. People can put up with some noise.
C: The bass was shaking our windows at midnight. That's not reasonable.
C: Moving the main stage away from Hillside should fix most of it.
C: The festival brings a lot of money into town, the hotels are full that weekend.
C: Is there a finish time in the licence? It went past 11pm last year.
C: 140 complaints out of thousands of households is not that many.
C: Correction: 140 complaints came from 62 households, several people complained multiple times.
C: I live in Hillside and I love the festival. Some neighbours just hate anything fun.
C: The litter in Greenway Park afterwards is the real problem.
C: Give residents free tickets, that usually helps.

== sanctions | the sanctions package | Foreign Secretary Helen Ward
T: Government announces new sanctions over border incursions
B: Foreign Secretary Helen Ward announced sanctions on 40 officials and three state-owned banks after troops crossed the border into a neighbouring country. Exports of machine parts will also be banned. The ambassador was summoned to the Foreign Office.
C: Sanctions on officials never change anything. They just move their money elsewhere.
C: Banning machine parts exports will actually hurt their arms production. Good.
C: Which three banks? The article doesn't say.
C: Summoning the ambassador is theatre, but the sanctions are real.
C: Our allies need to do the same or this is pointless.
C: Correction: the list names 41 officials, one was added late on Tuesday.
C: Our manufacturers will lose orders, has anyone asked them?
C: The government took months to act. Too slow again.
C: Sanctions should target the regime, not ordinary people.
C: It's a start. Freezing assets is what really bites.
"""


def parse_articles(text: str = ARTICLES_TEXT) -> list[dict]:
    """Parse the article blocks into dicts with key, thing, who, title, body, article, comments."""
    articles: list[dict] = []
    current: dict | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("== "):
            key, thing, who = (part.strip() for part in line[3:].split("|"))
            current = {"key": key, "thing": thing, "who": who, "comments": []}
            articles.append(current)
        elif current is None:
            raise ValueError(f"article line before any header: {line!r}")
        elif line.startswith("T: "):
            current["title"] = line[3:]
        elif line.startswith("B: "):
            current["body"] = line[3:]
        elif line.startswith("C: "):
            current["comments"].append(line[3:])
        else:
            raise ValueError(f"unknown article line: {line!r}")
    for art in articles:
        art["article"] = f"{art['title']}\n\n{art['body']}"
    return articles
