<#-- The page around every Keycloak login page, as a GOV.UK service page of the council the resident came
     from. Each council signs in through its own client (civicshare.identity.oidc.council_client_id), whose
     attributes "civicshare.council.*" (name, colour, text-colour, logo, logo-alt, site) the identity
     directory sets at onboarding; without them (the platform's own client) the page says "civicshare". -->
<#function natural_order markup><#return markup?markup_string?replace(' tabindex="[0-9]+"', '', 'r')></#function>
<#macro registrationLayout bodyClass="" displayInfo=false displayMessage=true displayRequiredFields=false>
<#assign councilName = (client.attributes["civicshare.council.name"])!"">
<#assign councilColour = (client.attributes["civicshare.council.colour"])!"#1d70b8">
<#assign councilText = (client.attributes["civicshare.council.text-colour"])!"#ffffff">
<#assign councilLogo = (client.attributes["civicshare.council.logo"])!"">
<#assign councilLogoAlt = (client.attributes["civicshare.council.logo-alt"])!councilName>
<#assign councilSite = (client.attributes["civicshare.council.site"])!"">
<#if !councilColour?matches("#[0-9a-fA-F]{6}")><#assign councilColour = "#1d70b8"></#if>
<#if !councilText?matches("#[0-9a-fA-F]{6}")><#assign councilText = "#ffffff"></#if>
<#assign serviceName = councilName?has_content?then(councilName, realm.displayName!"civicshare")>
<#assign pageTitle><#nested "header"></#assign>
<#-- Keycloak's base pages give fields positive tabindex values, which break the page's natural tab order
     (WCAG 2.4.3, axe "tabindex"): they are taken out of the forms and links they draw. -->
<#assign formHtml><#nested "form"></#assign>
<#assign infoHtml><#if displayInfo><#nested "info"></#if></#assign>
<!DOCTYPE html>
<html lang="${lang!"en"}" class="govuk-template">
<head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="robots" content="noindex, nofollow">
    <title>${pageTitle?markup_string?trim?no_esc} – ${serviceName}</title>
    <#if properties.styles?has_content>
        <#list properties.styles?split(' ') as style>
            <link href="${url.resourcesPath}/${style}" rel="stylesheet">
        </#list>
    </#if>
    <style>:root { --cs-brand-colour: ${councilColour}; --cs-header-text-colour: ${councilText}; }</style>
</head>
<body class="govuk-template__body govuk-frontend-supported" data-page-id="login-${pageId!""}">
<a href="#main-content" class="govuk-skip-link">Skip to main content</a>
<header class="govuk-header cs-login-header" data-council="${councilName}">
    <div class="govuk-header__container govuk-width-container">
        <div class="govuk-header__logo">
            <#if councilSite?has_content><a href="${councilSite}" class="govuk-header__link govuk-header__link--homepage"><#else><span class="govuk-header__link--homepage"></#if>
                <#if councilLogo?has_content><img class="cs-login-header__logo" src="${councilLogo}" alt="${councilLogoAlt}"></#if>
                <span class="govuk-header__service-name" id="cs-council-name">${serviceName}</span>
            <#if councilSite?has_content></a><#else></span></#if>
        </div>
    </div>
</header>
<div class="govuk-width-container">
    <main class="govuk-main-wrapper" id="main-content">
        <div class="govuk-grid-row">
            <div class="govuk-grid-column-two-thirds">
                <#if displayMessage && message?has_content && (message.type != 'warning' || !isAppInitiatedAction??)>
                    <#if message.type = 'error'>
                        <div class="govuk-error-summary" data-module="govuk-error-summary">
                            <div role="alert">
                                <h2 class="govuk-error-summary__title">There is a problem</h2>
                                <div class="govuk-error-summary__body"><p class="govuk-body">${kcSanitize(message.summary)?no_esc}</p></div>
                            </div>
                        </div>
                    <#else>
                        <div class="govuk-inset-text cs-alert alert-${message.type}" role="status">${kcSanitize(message.summary)?no_esc}</div>
                    </#if>
                </#if>
                <h1 class="govuk-heading-l" id="kc-page-title">${pageTitle?markup_string?trim?no_esc}</h1>
                <#if councilName?has_content && !(auth?has_content && auth.showUsername() && !auth.showResetCredentials())>
                    <p class="govuk-body" id="cs-one-account">One account works on the website of every council on this platform, ${councilName} included.</p>
                </#if>
                <#if auth?has_content && auth.showUsername() && !auth.showResetCredentials()>
                    <p class="govuk-body" id="kc-username">Signing in as <span id="kc-attempted-username">${auth.attemptedUsername}</span>.
                        <a class="govuk-link" id="reset-login" href="${url.loginRestartFlowUrl}">Use another email address</a></p>
                </#if>
                ${natural_order(formHtml)?no_esc}
                <#nested "socialProviders">
                <#if displayInfo>
                    <div id="kc-info" class="govuk-body">
                        ${natural_order(infoHtml)?no_esc}
                    </div>
                </#if>
            </div>
        </div>
    </main>
</div>
<footer class="govuk-footer">
    <div class="govuk-width-container">
        <div class="govuk-footer__meta">
            <div class="govuk-footer__meta-item govuk-footer__meta-item--grow">
                <p class="govuk-footer__meta-custom">Signing in for ${serviceName}<#if councilSite?has_content>: <a class="govuk-footer__link" href="${councilSite}">back to the council's website</a></#if>.</p>
            </div>
        </div>
    </div>
</footer>
</body>
</html>
</#macro>
