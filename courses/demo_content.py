"""The demo catalogue: one course per domain, written for support technicians. Each course is a
dict; lessons are lists of StreamField blocks built with the small helpers below. Skill codes are
those of skills/data/catalogue.csv; missing ones are skipped by the seed."""


def text(html):
    return ("rich_text", html)


def heading(title, level="h2"):
    return ("heading", {"text": title, "level": level})


def code(snippet, language="powershell", caption=""):
    return ("code", {"language": language, "code": snippet.strip("\n"), "caption": caption})


def callout(kind, title, html):
    return ("callout", {"kind": kind, "title": title, "body": html})


def procedure(title, steps):
    return ("procedure", {"title": title, "steps": [
        {"title": step[0], "body": step[1] if len(step) > 1 else "", "command": step[2] if len(step) > 2 else ""}
        for step in steps
    ]})


def check(question, choices):
    return ("knowledge_check", {"question": question, "choices": [
        {"text": t, "correct": ok, "feedback": feedback} for t, ok, feedback in choices
    ]})


def lesson(title, minutes, body, required=True):
    return {"title": title, "minutes": minutes, "body": body, "required": required}


COURSES = [
    # --- Active Directory ---------------------------------------------------------------------
    {
        "slug": "gpo-qui-ne-s-applique-pas",
        "title": "Diagnostiquer une GPO qui ne s'applique pas",
        "domain": "AD",
        "summary": "Un utilisateur n'a pas son lecteur réseau, un poste ignore le fond d'écran imposé : "
                   "trouvez en dix minutes pourquoi une stratégie de groupe ne s'applique pas, avec gpresult, "
                   "gpupdate et l'observateur d'événements.",
        "objectives": "<ul><li>Expliquer l'ordre d'application des stratégies (LSDOU) et l'héritage</li>"
                      "<li>Lire un rapport gpresult et repérer une GPO filtrée</li>"
                      "<li>Corriger les causes courantes au premier contact, et savoir quand escalader</li></ul>",
        "difficulty": "beginner", "duration": 45, "tiers": ["N1", "N2"], "profiles": ["technician", "administrator"],
        "skills": [("AD.GPO", 2)],
        "modules": [
            {"title": "Comprendre", "intro": "Comment un poste reçoit ses stratégies.", "lessons": [
                lesson("Comment une stratégie de groupe s'applique", 10, [
                    text("<p>Une stratégie de groupe (GPO) est un ensemble de paramètres stocké dans le "
                         "contrôleur de domaine (objet dans l'annuaire + fichiers dans <code>SYSVOL</code>). "
                         "Le poste la télécharge et l'applique :</p><ul><li>au démarrage de l'ordinateur "
                         "(partie <b>Ordinateur</b>) ;</li><li>à l'ouverture de session (partie "
                         "<b>Utilisateur</b>) ;</li><li>puis en arrière-plan toutes les 90 minutes environ "
                         "(avec un décalage aléatoire de 0 à 30 minutes).</li></ul>"),
                    heading("L'ordre LSDOU"),
                    text("<p>Les GPO sont appliquées dans cet ordre : <b>L</b>ocale, <b>S</b>ite, "
                         "<b>D</b>omaine, <b>O</b>U (de la plus haute à la plus basse). En cas de conflit, "
                         "<b>la dernière appliquée gagne</b> : une GPO liée à l'OU du poste l'emporte sur "
                         "celle du domaine, sauf si celle du domaine est <i>appliquée</i> (« Enforced ») ou si "
                         "l'OU <i>bloque l'héritage</i>.</p>"),
                    callout("tip", "Ordinateur ou utilisateur ?",
                            "<p>Une GPO s'applique à l'objet qui se trouve dans l'OU liée. Des paramètres "
                            "<b>Utilisateur</b> dans une GPO liée à une OU de <b>postes</b> ne font rien… "
                            "sauf si le mode de bouclage (loopback) est activé.</p>"),
                    heading("Le filtrage"),
                    text("<p>Même liée à la bonne OU, une GPO peut être écartée par :</p><ul>"
                         "<li>le <b>filtrage de sécurité</b> : l'objet (ou un de ses groupes) doit avoir "
                         "<i>Lire</i> et <i>Appliquer la stratégie de groupe</i> ;</li>"
                         "<li>un <b>filtre WMI</b> qui renvoie faux (ex. réservé à Windows 10) ;</li>"
                         "<li>un lien ou une partie (ordinateur/utilisateur) <b>désactivé</b>.</li></ul>"),
                    check("Une GPO liée au domaine fixe le fond d'écran en bleu ; une GPO liée à l'OU "
                          "« Postes Paris » le fixe en vert. Quelle couleur a un poste de cette OU ?", [
                              ("Vert", True, "Oui : l'OU est appliquée après le domaine, la dernière gagne "
                                             "(sauf GPO du domaine « appliquée »)."),
                              ("Bleu", False, "Non : le domaine est appliqué avant l'OU, donc la GPO de l'OU "
                                              "écrase la valeur, sauf si celle du domaine est « Enforced »."),
                              ("Ça dépend de l'ordre alphabétique des GPO", False,
                               "Non : l'ordre de liaison compte à l'intérieur d'une même OU, pas l'alphabet."),
                          ]),
                ]),
            ]},
            {"title": "Diagnostiquer", "intro": "Les commandes et la méthode.", "lessons": [
                lesson("gpresult et gpupdate pas à pas", 15, [
                    text("<p>Avant de toucher à quoi que ce soit, on <b>constate</b> : quelles GPO le poste "
                         "a-t-il reçues, et lesquelles a-t-il écartées ? C'est le rôle de "
                         "<code>gpresult</code>. À lancer <b>dans la session de l'utilisateur concerné</b> "
                         "(la partie utilisateur dépend de qui est connecté).</p>"),
                    procedure("Vérifier ce que le poste a reçu", [
                        ("Ouvrir une invite de commandes en tant qu'administrateur",
                         "<p>Sans élévation, la partie <i>Ordinateur</i> du rapport est vide.</p>"),
                        ("Afficher le résumé des stratégies appliquées", "", "gpresult /r"),
                        ("Lire les sections « Objets Stratégie de groupe appliqués » et « Les GPO suivantes "
                         "n'ont pas été appliquées »",
                         "<p>La raison est indiquée : <i>Filtrage : refusé (sécurité)</i>, <i>Filtre WMI "
                         "refusé</i>, <i>Désactivé (lien)</i>, <i>Vide</i>…</p>"),
                        ("Pour un rapport complet et partageable, générer le HTML", "",
                         "gpresult /h %USERPROFILE%\\Desktop\\gp.html /f"),
                    ]),
                    code("gpresult /r /scope computer\ngpresult /r /scope user", "cmd",
                         "Limiter le rapport à l'ordinateur ou à l'utilisateur"),
                    heading("Forcer la mise à jour"),
                    text("<p><code>gpupdate /force</code> retélécharge et réapplique toutes les stratégies. "
                         "Certaines (installation de logiciels, redirection de dossiers) ne s'appliquent "
                         "qu'au démarrage ou à l'ouverture de session : la commande le signale et propose "
                         "de fermer la session ou de redémarrer.</p>"),
                    code("gpupdate /force", "cmd"),
                    callout("warning", "Prévenez l'utilisateur",
                            "<p><code>gpupdate /force</code> peut demander une déconnexion : faites "
                            "enregistrer son travail avant de lancer la commande à distance.</p>"),
                    heading("Quand gpresult ne suffit pas : les journaux"),
                    text("<p>Ouvrez l'observateur d'événements, <b>Journaux des applications et des "
                         "services › Microsoft › Windows › GroupPolicy › Operational</b>. Les événements "
                         "<b>4016/5016</b> (début/fin d'une extension) et <b>7016</b> (échec) donnent la "
                         "durée et l'erreur de chaque extension côté client. En PowerShell :</p>"),
                    code("Get-WinEvent -LogName 'Microsoft-Windows-GroupPolicy/Operational' -MaxEvents 50 |\n"
                         "  Where-Object LevelDisplayName -ne 'Information' |\n"
                         "  Format-List TimeCreated, Id, Message", "powershell",
                         "Les 50 derniers avertissements et erreurs de stratégie"),
                ]),
                lesson("Les causes fréquentes et leur correctif", 15, [
                    text("<p>Dans plus de huit cas sur dix, la cause est l'une de celles-ci. Vérifiez-les "
                         "dans l'ordre : les premières se corrigent au premier contact.</p>"),
                    procedure("Méthode de diagnostic", [
                        ("Le poste voit-il un contrôleur de domaine ?",
                         "<p>Hors réseau de l'entreprise ou VPN coupé, rien ne s'applique. Vérifiez la "
                         "connexion, puis :</p>", "nltest /dsgetdc:%USERDNSDOMAIN%"),
                        ("L'objet est-il dans la bonne OU ?",
                         "<p>Un poste resté dans <code>Computers</code> (conteneur, pas une OU) ne reçoit "
                         "que les GPO du domaine.</p>",
                         "Get-ADComputer $env:COMPUTERNAME | Select-Object DistinguishedName"),
                        ("La GPO est-elle filtrée ?",
                         "<p>Dans <code>gpresult /r</code>, une GPO « refusée (sécurité) » : l'objet n'est "
                         "pas dans le groupe du filtrage. Après ajout au groupe, un <b>redémarrage</b> (pour "
                         "un ordinateur) ou une <b>reconnexion</b> (pour un utilisateur) est nécessaire : le "
                         "jeton ne contient pas encore le nouveau groupe.</p>"),
                        ("Les réplications fonctionnent-elles ?",
                         "<p>Si la GPO vient d'être modifiée et que seuls certains sites l'ont, la "
                         "réplication SYSVOL ou AD est en cause : escaladez au N2 avec la sortie de :</p>",
                         "repadmin /replsummary"),
                        ("L'heure du poste est-elle juste ?",
                         "<p>Plus de 5 minutes d'écart avec le contrôleur de domaine et Kerberos échoue : "
                         "plus de stratégies, plus d'accès aux partages.</p>", "w32tm /query /status"),
                    ]),
                    callout("procedure", "Quand escalader",
                            "<p>Escaladez au N2 AD si plusieurs postes ou sites sont touchés, si "
                            "<code>repadmin</code> montre des erreurs, ou si la GPO elle-même doit être "
                            "modifiée. Joignez le rapport <code>gpresult /h</code> au ticket.</p>"),
                    check("gpresult indique « Filtrage : refusé (sécurité) » pour la GPO « Lecteurs "
                          "réseau ». Vous ajoutez l'utilisateur au groupe concerné. Que faire ensuite ?", [
                              ("Faire fermer puis rouvrir la session de l'utilisateur", True,
                               "Oui : l'appartenance aux groupes est lue à l'ouverture de session."),
                              ("Lancer gpupdate /force sans se déconnecter", False,
                               "Insuffisant : le jeton de la session ne contient pas encore le nouveau groupe."),
                              ("Recréer la GPO", False, "Inutile : la GPO est correcte, c'est le filtrage "
                                                        "qui écartait l'utilisateur."),
                          ]),
                ]),
            ]},
        ],
    },
    # --- Microsoft 365 ------------------------------------------------------------------------
    {
        "slug": "securiser-exchange-online",
        "title": "Sécuriser Exchange Online",
        "domain": "M365",
        "summary": "Fermer les portes d'entrée les plus exploitées d'une messagerie Microsoft 365 : "
                   "authentification héritée, transferts automatiques vers l'extérieur, règles de boîte "
                   "malveillantes ; et savoir réagir à une boîte compromise.",
        "objectives": "<ul><li>Vérifier et désactiver l'authentification héritée</li>"
                      "<li>Bloquer le transfert automatique externe</li>"
                      "<li>Détecter une règle de boîte de réception malveillante et réagir</li></ul>",
        "difficulty": "intermediate", "duration": 60, "tiers": ["N2"], "profiles": ["administrator", "engineer"],
        "skills": [("M365.EXO", 2), ("SEC.IAM", 1)],
        "lessons": [
            lesson("Se connecter et faire l'état des lieux", 15, [
                text("<p>Toutes les vérifications se font avec le module PowerShell "
                     "<b>ExchangeOnlineManagement</b>, connecté avec un compte disposant du rôle "
                     "<i>Exchange Administrator</i> (pas un Global Admin au quotidien).</p>"),
                code("Install-Module ExchangeOnlineManagement -Scope CurrentUser\n"
                     "Connect-ExchangeOnline -UserPrincipalName admin@client.onmicrosoft.com", "powershell"),
                heading("L'authentification héritée"),
                text("<p>POP, IMAP, SMTP AUTH et les anciens clients n'acceptent pas la MFA : c'est par là "
                     "que passent les attaques par pulvérisation de mots de passe. Microsoft a coupé la "
                     "plupart des protocoles hérités, mais <b>SMTP AUTH</b> reste souvent activé pour des "
                     "imprimantes ou des applications.</p>"),
                code("Get-TransportConfig | Format-List SmtpClientAuthenticationDisabled\n"
                     "Get-CASMailbox -ResultSize Unlimited |\n"
                     "  Where-Object { $_.SmtpClientAuthenticationDisabled -eq $false } |\n"
                     "  Select-Object PrimarySmtpAddress", "powershell",
                     "Qui a encore SMTP AUTH ?"),
                procedure("Couper SMTP AUTH sauf pour les comptes qui en ont besoin", [
                    ("Recenser les boîtes qui l'utilisent réellement",
                     "<p>Rapport <i>SMTP AUTH clients</i> du centre d'administration Exchange.</p>"),
                    ("Désactiver au niveau de l'organisation", "",
                     "Set-TransportConfig -SmtpClientAuthenticationDisabled $true"),
                    ("Réactiver uniquement pour les comptes de service documentés", "",
                     "Set-CASMailbox -Identity scanner@client.fr -SmtpClientAuthenticationDisabled $false"),
                ]),
                callout("warning", "Changement à planifier",
                        "<p>Couper SMTP AUTH arrête les copieurs qui envoient les numérisations par mail : "
                        "passez par une demande de changement et prévenez le client.</p>"),
            ]),
            lesson("Bloquer le transfert automatique vers l'extérieur", 15, [
                text("<p>Un attaquant qui a pris une boîte crée souvent une règle qui transfère tout le "
                     "courrier vers une adresse externe : il continue de lire les mails même après le "
                     "changement de mot de passe. La stratégie anti-spam sortante bloque ces transferts "
                     "pour toute l'organisation.</p>"),
                code("Get-HostedOutboundSpamFilterPolicy | Format-List Name, AutoForwardingMode\n"
                     "Set-HostedOutboundSpamFilterPolicy -Identity Default -AutoForwardingMode Off", "powershell"),
                callout("tip", "Exceptions",
                        "<p>Si un transfert externe est légitime (boîte partagée vers un prestataire), "
                        "créez une stratégie sortante dédiée à cet expéditeur plutôt que de rouvrir pour "
                        "tout le monde.</p>"),
                heading("Repérer les règles suspectes"),
                code("Get-Mailbox -ResultSize Unlimited | ForEach-Object {\n"
                     "  Get-InboxRule -Mailbox $_.PrimarySmtpAddress |\n"
                     "    Where-Object { $_.ForwardTo -or $_.ForwardAsAttachmentTo -or $_.RedirectTo -or $_.DeleteMessage }\n"
                     "} | Select-Object MailboxOwnerId, Name, ForwardTo, RedirectTo, DeleteMessage", "powershell",
                     "Règles qui transfèrent ou suppriment"),
                check("Un utilisateur ne reçoit plus les réponses d'un fournisseur. Vous trouvez une règle "
                      "« .. » qui déplace ces mails dans « Flux RSS » et les marque comme lus. Que faites-vous ?", [
                          ("Je traite l'incident comme une compromission de compte", True,
                           "Oui : une règle au nom anodin qui cache des mails est un signe classique. "
                           "Suivez la procédure de la leçon suivante et prévenez la sécurité."),
                          ("Je supprime la règle et je clos le ticket", False,
                           "Insuffisant : si quelqu'un a créé cette règle, il a encore probablement accès "
                           "à la boîte."),
                      ]),
            ]),
            lesson("Réagir à une boîte compromise", 15, [
                procedure("Les premières minutes", [
                    ("Bloquer la connexion et révoquer les sessions",
                     "<p>Dans Entra ID : bloquer la connexion, puis révoquer les sessions (les jetons "
                     "restent valides sinon).</p>",
                     "Revoke-MgUserSignInSession -UserId lea.martin@client.fr"),
                    ("Réinitialiser le mot de passe et vérifier les méthodes MFA",
                     "<p>Supprimez toute méthode MFA ajoutée par l'attaquant (numéro ou application "
                     "inconnus).</p>"),
                    ("Supprimer les règles et transferts malveillants", "",
                     "Get-InboxRule -Mailbox lea.martin@client.fr\n"
                     "Set-Mailbox lea.martin@client.fr -ForwardingSmtpAddress $null -DeliverToMailboxAndForward $false"),
                    ("Rechercher les mails envoyés par l'attaquant",
                     "<p>Le journal d'audit unifié montre les connexions et actions des derniers jours.</p>",
                     "Search-UnifiedAuditLog -StartDate (Get-Date).AddDays(-7) -EndDate (Get-Date) "
                     "-UserIds lea.martin@client.fr -ResultSize 1000"),
                    ("Escalader à l'équipe sécurité avec les éléments", ""),
                ]),
                callout("warning", "Ne supprimez pas les preuves",
                        "<p>Exportez les règles et le journal d'audit avant de nettoyer : l'équipe "
                        "sécurité en aura besoin pour mesurer l'étendue de l'incident.</p>"),
            ]),
        ],
    },
    # --- Réseau --------------------------------------------------------------------------------
    {
        "slug": "vlan-qui-n-arrive-pas-au-port",
        "title": "Un VLAN qui n'arrive pas jusqu'au port",
        "domain": "NET",
        "summary": "Le poste branché sur la prise 2B-14 n'obtient pas d'adresse IP alors que son voisin "
                   "fonctionne. Port d'accès, trunk, VLAN natif, VLAN élagué : la méthode pour trouver où le "
                   "VLAN se perd, sur des commutateurs Cisco.",
        "objectives": "<ul><li>Distinguer port d'accès et trunk</li>"
                      "<li>Suivre un VLAN de bout en bout avec les commandes show</li>"
                      "<li>Corriger un port mal affecté sans couper les autres utilisateurs</li></ul>",
        "difficulty": "intermediate", "duration": 50, "tiers": ["N1", "N2"],
        "profiles": ["technician", "administrator"],
        "skills": [("NET.LAN", 2)],
        "lessons": [
            lesson("Ports d'accès, trunks et VLAN natif", 15, [
                text("<p>Un <b>VLAN</b> découpe un commutateur en plusieurs réseaux isolés. Un <b>port "
                     "d'accès</b> appartient à un seul VLAN (le poste n'en sait rien). Un <b>trunk</b> "
                     "transporte plusieurs VLAN entre équipements, chaque trame étant marquée (802.1Q) "
                     "de son numéro de VLAN — sauf celles du <b>VLAN natif</b>, envoyées sans marque.</p>"),
                code("show vlan brief\nshow interfaces status\nshow interfaces trunk", "cisco",
                     "Les trois commandes de base"),
                text("<p><code>show interfaces trunk</code> liste, pour chaque trunk, les VLAN "
                     "<i>autorisés</i>, <i>actifs</i> et <i>en transmission</i> (« forwarding state and "
                     "not pruned »). Un VLAN absent de la dernière colonne ne passe pas.</p>"),
                check("Le port Gi1/0/14 est en accès dans le VLAN 30. Le trunk vers le cœur autorise "
                      "« 10,20,40 ». Le poste obtient-il une adresse du DHCP du cœur ?", [
                          ("Non : le VLAN 30 n'est pas autorisé sur le trunk", True,
                           "Exact : il faut ajouter 30 à la liste autorisée, avec « add » pour ne pas "
                           "écraser les autres."),
                          ("Oui : le port d'accès suffit", False,
                           "Non : le VLAN doit exister et être autorisé sur tout le chemin jusqu'à la passerelle."),
                      ]),
            ]),
            lesson("Diagnostiquer un port, pas à pas", 20, [
                procedure("Suivre le VLAN du port jusqu'au cœur", [
                    ("Identifier le port du poste",
                     "<p>Avec l'adresse MAC du poste (<code>ipconfig /all</code>) :</p>",
                     "show mac address-table address 0050.56ab.cdef"),
                    ("Vérifier l'état et le VLAN du port", "<p>Attendu : <i>connected</i> et le bon VLAN. "
                     "<i>err-disabled</i> signale une protection (port-security, BPDU guard) déclenchée.</p>",
                     "show interfaces Gi1/0/14 status\nshow running-config interface Gi1/0/14"),
                    ("Vérifier que le VLAN existe sur le commutateur", "", "show vlan id 30"),
                    ("Vérifier qu'il traverse le trunk montant", "", "show interfaces trunk"),
                    ("Recommencer sur le commutateur suivant jusqu'à la passerelle", ""),
                ]),
                heading("Corriger"),
                code("configure terminal\n interface Gi1/0/14\n  switchport mode access\n"
                     "  switchport access vlan 30\n end\nwrite memory", "cisco", "Affecter un port d'accès"),
                code("configure terminal\n interface Gi1/0/48\n  switchport trunk allowed vlan add 30\n end\n"
                     "write memory", "cisco", "Ajouter un VLAN à un trunk"),
                callout("warning", "Le piège du « allowed vlan » sans « add »",
                        "<p><code>switchport trunk allowed vlan 30</code> <b>remplace</b> la liste : tous "
                        "les autres VLAN sont coupés sur ce lien. Utilisez toujours <code>add</code>, et "
                        "toute modification de trunk passe par une demande de changement.</p>"),
                callout("tip", "Port err-disabled",
                        "<p>Notez la cause (<code>show interfaces status err-disabled</code>) avant de "
                        "relancer le port par <code>shutdown</code> / <code>no shutdown</code> : si c'est "
                        "un mini-commutateur branché sous un bureau, il se coupera de nouveau.</p>"),
            ]),
        ],
    },
    # --- Cybersécurité -------------------------------------------------------------------------
    {
        "slug": "trier-une-alerte-edr",
        "title": "Trier une alerte EDR au premier niveau",
        "domain": "SEC",
        "summary": "Une alerte de l'EDR remonte sur le poste d'un comptable. Faux positif ou début "
                   "d'incident ? Les questions à se poser, les gestes qui protègent sans détruire les "
                   "preuves, et quand isoler le poste.",
        "objectives": "<ul><li>Qualifier une alerte (gravité, contexte, processus parent)</li>"
                      "<li>Isoler un poste depuis la console EDR</li>"
                      "<li>Escalader avec les bons éléments</li></ul>",
        "difficulty": "beginner", "duration": 35, "tiers": ["N1", "N2"], "profiles": [],
        "skills": [("SEC.TRIAGE", 2), ("SEC.EDR", 1)],
        "lessons": [
            lesson("Qualifier l'alerte", 15, [
                text("<p>Une alerte n'est pas un incident : c'est un signal à qualifier. Lisez-la "
                     "entièrement avant d'agir, et répondez à quatre questions :</p><ol>"
                     "<li><b>Quoi ?</b> Le fichier ou le comportement détecté, et sa gravité.</li>"
                     "<li><b>Qui ?</b> Le compte et le poste : un administrateur ? un serveur ?</li>"
                     "<li><b>D'où ?</b> Le <b>processus parent</b> : <code>WINWORD.EXE</code> qui lance "
                     "<code>powershell.exe</code> est très suspect ; un outil de déploiement connu l'est "
                     "beaucoup moins.</li><li><b>Est-ce isolé ?</b> Le même hash ou la même alerte sur "
                     "d'autres postes ?</li></ol>"),
                code("Get-FileHash C:\\Users\\Public\\facture.exe -Algorithm SHA256", "powershell",
                     "Calculer le hash d'un fichier pour le rechercher dans la console"),
                callout("tip", "Le contexte fait la gravité",
                        "<p>Un outil d'administration à distance sur le poste d'un technicien peut être "
                        "normal ; le même outil sur le poste d'un comptable, un vendredi à 23 h, ne l'est "
                        "pas.</p>"),
                check("Alerte : « powershell.exe -enc … » lancé par OUTLOOK.EXE sur le poste d'une "
                      "assistante. Quelle est la bonne première action ?", [
                          ("Isoler le poste depuis la console EDR et escalader", True,
                           "Oui : PowerShell encodé lancé par la messagerie est typique d'une pièce jointe "
                           "piégée. L'isolement coupe l'attaquant sans effacer les traces."),
                          ("Éteindre le poste", False,
                           "Non : on perd la mémoire vive, précieuse pour l'analyse. Isolez plutôt."),
                          ("Marquer l'alerte comme faux positif", False,
                           "Non : rien dans le contexte ne justifie un faux positif."),
                      ]),
            ]),
            lesson("Isoler, préserver, escalader", 15, [
                procedure("Conduite à tenir pour une alerte confirmée", [
                    ("Isoler le poste depuis la console EDR",
                     "<p>Le poste ne communique plus qu'avec la console : vous pouvez encore l'analyser.</p>"),
                    ("Ne pas éteindre, ne pas supprimer de fichier",
                     "<p>Laissez l'EDR mettre en quarantaine ; toute suppression manuelle détruit des preuves.</p>"),
                    ("Prévenir l'utilisateur et lui demander ce qu'il a fait",
                     "<p>Mail ouvert, lien cliqué, clé USB ? Notez l'heure et ses mots.</p>"),
                    ("Ouvrir un incident de sécurité et escalader",
                     "<p>Joignez : identifiant de l'alerte, poste, compte, hash, processus parent, heure, "
                     "actions déjà faites.</p>"),
                    ("Si un compte est en cause, faire réinitialiser son mot de passe", ""),
                ]),
                callout("warning", "Ne prévenez pas l'attaquant",
                        "<p>Ne répondez pas au mail suspect et ne contactez pas l'expéditeur : passez par "
                        "l'équipe sécurité.</p>"),
            ]),
        ],
    },
    # --- Messagerie ----------------------------------------------------------------------------
    {
        "slug": "tracer-un-mail-qui-n-arrive-pas",
        "title": "Un mail n'arrive pas : tracer un flux de messagerie",
        "domain": "MSG",
        "summary": "« Mon client dit qu'il m'a écrit mais je n'ai rien reçu. » Lire un rapport de "
                   "non-remise, suivre le message avec le suivi des messages, et vérifier SPF, DKIM et "
                   "DMARC quand les mails partent en indésirables.",
        "objectives": "<ul><li>Interpréter les codes de non-remise les plus courants</li>"
                      "<li>Utiliser le suivi des messages</li><li>Vérifier SPF, DKIM et DMARC d'un domaine</li></ul>",
        "difficulty": "beginner", "duration": 40, "tiers": ["N1", "N2"], "profiles": [],
        "skills": [("MSG.FLOW", 2), ("MSG.AUTH", 1)],
        "lessons": [
            lesson("Lire un rapport de non-remise (NDR)", 15, [
                text("<p>Un NDR contient un code « <b>classe.sujet.détail</b> ». La classe dit tout : "
                     "<b>4.x.x</b> = échec temporaire (le serveur réessaiera), <b>5.x.x</b> = échec "
                     "définitif.</p>"),
                text("<ul><li><b>550 5.1.1</b> : destinataire inconnu (faute de frappe, compte supprimé).</li>"
                     "<li><b>550 5.7.1</b> / <b>5.7.x</b> : refusé par une règle (relais interdit, "
                     "expéditeur bloqué, authentification SPF/DMARC échouée).</li>"
                     "<li><b>552 5.2.2</b> : boîte du destinataire pleine.</li>"
                     "<li><b>554 5.4.x</b> : problème de routage ou de DNS.</li>"
                     "<li><b>451 4.7.x</b> : ralentissement (greylisting), souvent résolu seul.</li></ul>"),
                check("Un utilisateur reçoit « 550 5.7.1 Sender rejected by DMARC policy » en écrivant "
                      "à un client. Où chercher ?", [
                          ("Dans les enregistrements SPF/DKIM/DMARC de notre domaine", True,
                           "Oui : le serveur du client a refusé notre mail parce que notre domaine ne "
                           "s'authentifie pas correctement."),
                          ("Dans la boîte du destinataire", False, "Non : le message n'y est jamais arrivé."),
                      ]),
            ]),
            lesson("Suivre le message et vérifier l'authentification", 20, [
                procedure("Retrouver un message dans Exchange Online", [
                    ("Se connecter à Exchange Online", "", "Connect-ExchangeOnline"),
                    ("Chercher le message des dix derniers jours", "",
                     "Get-MessageTraceV2 -SenderAddress client@exemple.fr -RecipientAddress lea.martin@client.fr "
                     "-StartDate (Get-Date).AddDays(-10) -EndDate (Get-Date)"),
                    ("Lire le statut", "<p><i>Delivered</i> : il est dans la boîte (peut-être dans "
                     "Courrier indésirable ou déplacé par une règle). <i>Quarantined</i> : libérez-le "
                     "depuis le portail Defender après vérification. <i>Failed</i> : lire le détail.</p>"),
                    ("Aucun résultat ?", "<p>Le message n'a jamais atteint nos serveurs : le problème est "
                     "chez l'expéditeur, demandez-lui son NDR.</p>"),
                ]),
                heading("SPF, DKIM, DMARC en trois commandes"),
                code("Resolve-DnsName client.fr -Type TXT | Where-Object Strings -like 'v=spf1*'\n"
                     "Resolve-DnsName selector1._domainkey.client.fr -Type CNAME\n"
                     "Resolve-DnsName _dmarc.client.fr -Type TXT", "powershell"),
                code("nslookup -type=txt _dmarc.client.fr", "cmd", "La même chose sans PowerShell"),
                callout("tip", "Lire les en-têtes",
                        "<p>Dans un message reçu, l'en-tête <code>Authentication-Results</code> donne "
                        "<code>spf=pass/fail</code>, <code>dkim=pass/fail</code>, <code>dmarc=pass/fail</code> : "
                        "l'analyseur d'en-têtes de Microsoft (Message Header Analyzer) les rend lisibles.</p>"),
            ]),
        ],
    },
    # --- Hébergement ---------------------------------------------------------------------------
    {
        "slug": "renouveler-un-certificat-tls",
        "title": "Renouveler un certificat TLS sans coupure",
        "domain": "HEB",
        "summary": "Le site d'un client affiche « Votre connexion n'est pas privée ». Vérifier un "
                   "certificat, comprendre la chaîne, renouveler et déployer sans interruption, et ne "
                   "plus se faire surprendre par une expiration.",
        "objectives": "<ul><li>Contrôler expiration, noms (SAN) et chaîne d'un certificat</li>"
                      "<li>Remplacer un certificat sur IIS ou nginx</li>"
                      "<li>Mettre en place une alerte avant expiration</li></ul>",
        "difficulty": "intermediate", "duration": 40, "tiers": ["N2"], "profiles": ["administrator"],
        "skills": [("HEB.CERT", 2)],
        "lessons": [
            lesson("Vérifier un certificat en production", 15, [
                code("openssl s_client -connect www.client.fr:443 -servername www.client.fr </dev/null 2>/dev/null |\n"
                     "  openssl x509 -noout -subject -issuer -dates -ext subjectAltName", "bash",
                     "Sujet, émetteur, dates et noms couverts"),
                text("<p>Trois causes expliquent presque toutes les erreurs : le certificat a "
                     "<b>expiré</b> (<code>notAfter</code>), le nom demandé n'est pas dans les "
                     "<b>SAN</b> (le CN seul ne compte plus pour les navigateurs), ou la <b>chaîne est "
                     "incomplète</b> : le serveur n'envoie pas le certificat intermédiaire. Ce dernier cas "
                     "passe sur un navigateur qui l'a en cache et échoue ailleurs.</p>"),
                code("openssl s_client -connect www.client.fr:443 -servername www.client.fr -showcerts </dev/null",
                     "bash", "Voir la chaîne envoyée par le serveur"),
                check("Le site fonctionne sur votre poste mais pas sur le téléphone du client. Le "
                      "certificat n'a pas expiré et couvre le bon nom. Cause probable ?", [
                          ("Le certificat intermédiaire n'est pas envoyé par le serveur", True,
                           "Oui : votre navigateur l'avait en cache, le téléphone non. Installez la chaîne complète."),
                          ("Le téléphone n'est pas à l'heure", False,
                           "Possible mais rare ; vérifiez d'abord la chaîne avec -showcerts."),
                      ]),
            ]),
            lesson("Renouveler et déployer", 20, [
                procedure("Remplacer le certificat sur nginx", [
                    ("Générer la clé et la demande (CSR) avec tous les noms", "",
                     "openssl req -new -newkey rsa:3072 -nodes -keyout client.key -out client.csr \\\n"
                     "  -subj \"/CN=www.client.fr\" -addext \"subjectAltName=DNS:www.client.fr,DNS:client.fr\""),
                    ("Faire signer la CSR et récupérer certificat + intermédiaire",
                     "<p>Concaténez le certificat puis l'intermédiaire dans <code>fullchain.pem</code>.</p>"),
                    ("Tester la configuration avant de recharger", "", "sudo nginx -t"),
                    ("Recharger sans couper les connexions", "", "sudo systemctl reload nginx"),
                    ("Vérifier depuis l'extérieur", "<p>Relancez la commande openssl de la leçon "
                     "précédente : nouvelles dates, chaîne complète.</p>"),
                ]),
                callout("tip", "Sur IIS",
                        "<p>Importez le PFX dans le magasin <i>Personnel</i> de l'ordinateur, puis "
                        "modifiez la <b>liaison HTTPS</b> du site pour choisir le nouveau certificat : "
                        "le changement est immédiat, sans redémarrage.</p>"),
                callout("warning", "La clé privée ne voyage pas par mail",
                        "<p>Transférez-la par le coffre de mots de passe de l'équipe, jamais en pièce "
                        "jointe ni dans le ticket.</p>"),
                text("<p>Pour ne plus être surpris, ajoutez une sonde de supervision sur l'expiration "
                     "(alerte à 30 jours) ou automatisez avec ACME (Let's Encrypt, certbot) quand le "
                     "client l'accepte.</p>"),
            ]),
        ],
    },
    # --- Téléphonie ----------------------------------------------------------------------------
    {
        "slug": "appels-sans-audio-trunk-sip",
        "title": "Appels sans audio : dépanner un trunk SIP",
        "domain": "TEL",
        "summary": "L'appel sonne, décroche… et personne ne s'entend, ou un seul sens passe. "
                   "Comprendre SIP et RTP, repérer le NAT qui casse l'audio, et lire une trace SIP pour "
                   "parler précisément à l'opérateur.",
        "objectives": "<ul><li>Distinguer signalisation (SIP) et voix (RTP)</li>"
                      "<li>Diagnostiquer un audio unidirectionnel</li><li>Lire les codes de réponse SIP</li></ul>",
        "difficulty": "advanced", "duration": 55, "tiers": ["N2", "N3"], "profiles": ["administrator", "engineer"],
        "skills": [("TEL.SIP", 2), ("TEL.QOS", 1)],
        "lessons": [
            lesson("SIP, RTP et le NAT", 20, [
                text("<p><b>SIP</b> (port 5060/5061) établit l'appel ; la voix passe à côté, en "
                     "<b>RTP</b>, sur une plage de ports UDP négociée dans le <b>SDP</b>. La ligne "
                     "<code>c=IN IP4 …</code> du SDP indique l'adresse où envoyer la voix. Si l'IPBX "
                     "derrière un NAT y annonce son adresse privée (10.x, 192.168.x), l'opérateur envoie "
                     "l'audio dans le vide : <b>audio unidirectionnel</b>.</p>"),
                callout("tip", "Le coupable habituel : SIP ALG",
                        "<p>La fonction « SIP ALG » des box et pare-feux réécrit les paquets SIP… souvent "
                        "mal. Désactivez-la et configurez l'adresse publique sur l'IPBX (paramètre "
                        "<i>external IP</i> / <i>NAT</i>).</p>"),
                check("Vous entendez le correspondant, il ne vous entend pas. Que vérifiez-vous d'abord ?", [
                      ("L'adresse annoncée dans le SDP (ligne c=) et le NAT du pare-feu", True,
                       "Oui : le RTP sortant de l'IPBX n'atteint pas l'opérateur ou revient au mauvais endroit."),
                      ("Le mot de passe du trunk", False,
                       "Non : si l'appel est établi, l'authentification SIP fonctionne."),
                  ]),
            ]),
            lesson("Capturer et lire une trace SIP", 20, [
                procedure("Capturer sur l'IPBX Linux", [
                    ("Capturer SIP et RTP pendant un appel de test", "",
                     "sudo tcpdump -i any -s 0 -w /tmp/appel.pcap 'port 5060 or portrange 10000-20000'"),
                    ("Visualiser les échanges SIP en direct", "", "sudo sngrep"),
                    ("Ouvrir le fichier dans Wireshark",
                     "<p>Menu <i>Téléphonie › Appels VoIP</i> : le diagramme montre qui envoie quoi, et "
                     "le flux RTP de chaque sens.</p>"),
                ]),
                heading("Les réponses SIP à connaître"),
                text("<ul><li><b>401/407</b> : authentification demandée (normal au premier essai).</li>"
                     "<li><b>403</b> : refusé (identifiants, numéro non autorisé).</li>"
                     "<li><b>404</b> : numéro inconnu.</li><li><b>408</b> : pas de réponse (réseau, pare-feu).</li>"
                     "<li><b>486</b> : occupé.</li><li><b>503</b> : service indisponible côté opérateur ou trunk "
                     "non enregistré.</li></ul>"),
                callout("procedure", "Avant d'appeler l'opérateur",
                        "<p>Ayez l'heure exacte d'un appel de test, les numéros appelant et appelé, le "
                        "Call-ID SIP et la trace : l'opérateur traitera le ticket en minutes au lieu de jours.</p>"),
            ]),
        ],
    },
    # --- Infrastructure ------------------------------------------------------------------------
    {
        "slug": "sauvegardes-savoir-restaurer",
        "title": "Sauvegardes : vérifier qu'on sait restaurer",
        "domain": "INFRA",
        "summary": "Une sauvegarde qu'on n'a jamais restaurée n'est qu'un espoir. La règle 3-2-1-1-0, "
                   "la lecture d'un rapport d'échec, et un test de restauration à faire tous les mois.",
        "objectives": "<ul><li>Vérifier qu'un client respecte la règle 3-2-1-1-0</li>"
                      "<li>Traiter un échec de sauvegarde au premier niveau</li>"
                      "<li>Mener et documenter un test de restauration</li></ul>",
        "difficulty": "beginner", "duration": 40, "tiers": ["N1", "N2"], "profiles": [],
        "skills": [("INFRA.BACKUP", 2)],
        "lessons": [
            lesson("La règle 3-2-1-1-0 et les rapports d'échec", 15, [
                text("<p><b>3</b> copies des données, sur <b>2</b> supports différents, dont <b>1</b> hors "
                     "site, <b>1</b> hors ligne ou immuable (à l'abri d'un rançongiciel), et <b>0</b> "
                     "erreur lors des tests de restauration.</p>"),
                heading("Un job en échec : par où commencer"),
                text("<ul><li><b>Un seul échec isolé</b> (verrou de fichier, VM en cours de migration) : "
                     "relancer le job et vérifier qu'il passe.</li><li><b>Échecs répétés sur la même "
                     "machine</b> : snapshot bloqué, VSS en erreur, espace disque.</li><li><b>Tous les jobs "
                     "en échec</b> : dépôt plein ou inaccessible → escalade immédiate.</li></ul>"),
                code("vssadmin list writers", "cmd", "Sur la machine sauvegardée : un writer en erreur bloque la sauvegarde"),
                callout("warning", "Deux nuits sans sauvegarde = incident",
                        "<p>Au-delà de 48 heures sans sauvegarde réussie d'un serveur, ouvrez un incident "
                        "et prévenez le client : son risque de perte de données a changé.</p>"),
            ]),
            lesson("Mener un test de restauration", 20, [
                procedure("Test mensuel", [
                    ("Choisir un élément au hasard", "<p>Un fichier, une boîte aux lettres ou une VM "
                     "entière selon le mois — pas toujours le même.</p>"),
                    ("Restaurer vers un emplacement isolé", "<p>Jamais par-dessus la production : un "
                     "dossier de test ou un réseau isolé pour une VM.</p>"),
                    ("Vérifier que c'est utilisable", "<p>Le fichier s'ouvre, la VM démarre et "
                     "l'application répond, la base se monte.</p>"),
                    ("Mesurer la durée", "<p>C'est votre RTO réel : comparez-le à ce que le contrat promet.</p>"),
                    ("Consigner le résultat dans le ticket et supprimer la copie de test", ""),
                ]),
                check("Le job de la nuit est vert depuis six mois, mais personne n'a jamais restauré. "
                      "Peut-on dire que le client est protégé ?", [
                          ("Non, tant qu'une restauration n'a pas été testée", True,
                           "Exact : c'est le « 0 erreur » de la règle. Planifiez un test."),
                          ("Oui, le job est vert", False,
                           "Un job vert prouve qu'on a écrit des données, pas qu'on sait les relire."),
                      ]),
            ]),
        ],
    },
    # --- Poste de travail ----------------------------------------------------------------------
    {
        "slug": "windows-lent-au-demarrage",
        "title": "Windows lent au démarrage : méthode de diagnostic",
        "domain": "PDT",
        "summary": "« Mon PC met dix minutes à démarrer. » Mesurer avant d'agir, trouver ce qui ralentit "
                   "(programmes au démarrage, disque, mises à jour, profil), réparer le système et "
                   "savoir quand proposer un remplacement.",
        "objectives": "<ul><li>Mesurer un démarrage avec les journaux Windows</li>"
                      "<li>Identifier les causes courantes</li><li>Réparer les fichiers système avec SFC et DISM</li></ul>",
        "difficulty": "beginner", "duration": 35, "tiers": ["N1"], "profiles": ["technician"],
        "skills": [("PDT.WIN", 2), ("PDT.REMOTE", 1)],
        "lessons": [
            lesson("Mesurer avant d'agir", 15, [
                text("<p>Windows mesure chaque démarrage. L'événement <b>100</b> du journal "
                     "<i>Diagnostics-Performance</i> donne la durée totale ; les événements <b>101 à "
                     "110</b> nomment ce qui a ralenti (application, pilote, service).</p>"),
                code("Get-WinEvent -FilterHashtable @{LogName='Microsoft-Windows-Diagnostics-Performance/Operational'; Id=100} -MaxEvents 5 |\n"
                     "  ForEach-Object { '{0}  {1} s' -f $_.TimeCreated, ([xml]$_.ToXml()).Event.EventData.Data[5].'#text' / 1000 }",
                     "powershell", "Durée des cinq derniers démarrages"),
                text("<p>Ensuite : <b>Gestionnaire des tâches › Démarrage</b> (colonne « Impact »), "
                     "espace libre sur <code>C:</code> (moins de 10 % = lenteurs), type de disque (un "
                     "disque mécanique en 2026 explique beaucoup de choses).</p>"),
                callout("tip", "Demandez ce qui a changé",
                        "<p>« Depuis quand ? » est la question la plus utile : une mise à jour, un nouveau "
                        "logiciel, un déménagement de bureau (hors réseau, les GPO et scripts attendent "
                        "un contrôleur de domaine).</p>"),
            ]),
            lesson("Réparer le système", 15, [
                procedure("Réparer les fichiers système", [
                    ("Ouvrir PowerShell en administrateur", ""),
                    ("Réparer l'image de Windows (source : Windows Update)", "",
                     "DISM /Online /Cleanup-Image /RestoreHealth"),
                    ("Vérifier et réparer les fichiers système", "", "sfc /scannow"),
                    ("Planifier une vérification du disque au prochain démarrage", "", "chkdsk C: /scan"),
                    ("Redémarrer et mesurer de nouveau", "<p>Comparez avec l'événement 100.</p>"),
                ]),
                callout("warning", "Dans cet ordre",
                        "<p>DISM d'abord, SFC ensuite : SFC répare à partir de l'image que DISM vient de "
                        "remettre en état.</p>"),
                check("Le démarrage prend 4 minutes, l'événement 103 cite le service d'un logiciel "
                      "d'impression. Que proposez-vous ?", [
                          ("Mettre à jour ou désinstaller ce logiciel, puis mesurer de nouveau", True,
                           "Oui : on agit sur la cause mesurée, puis on vérifie."),
                          ("Réinstaller Windows", False, "Disproportionné : la cause est identifiée."),
                          ("Désactiver tous les services tiers", False,
                           "Risqué et non ciblé : antivirus et agents de gestion en font partie."),
                      ]),
            ]),
        ],
    },
]
